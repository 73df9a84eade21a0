"""Pages of the producer-to-retailer channel: producer registration and portal (goods, orders,
market feedback with the demand forecast), the management centre's review queue, split
rules and statements, the region console, retailer procurement, the retailer's automatic
online shop and the mall of goods in stock nearby. No business rule lives here: each view
calls one supply service or selector, scoped to request.user."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.accounts.selectors import is_platform_operator
from omniretail.catalog import duplicates
from omniretail.catalog import selectors as catalog
from omniretail.catalog.models import Category
from omniretail.core import uploads
from omniretail.core.errors import DomainError
from omniretail.inventory.selectors import sku_by_public_id
from omniretail.merchandising import selectors as merchandising
from omniretail.stores import selectors as stores
from omniretail.supply import procurement, routing, selectors, services, settlement
from omniretail.supply.exports import statement_csv
from omniretail.supply.models import FEATURED_ZONES, Channel
from omniretail.web import charts
from omniretail.web.views import _error, _safe_next
from omniretail.web.views_merchant import _int

TEMPLATES = "web/supply/"


def _page(request, template: str, section: str, **ctx) -> HttpResponse:
    ctx.setdefault("is_platform", is_platform_operator(request.user))
    return render(request, TEMPLATES + template, {"section": section, **ctx})


def _refused(request, exc: DomainError, redirect_to: str) -> HttpResponse:
    messages.error(request, str(exc.message))
    for field, errors in exc.fields.items():
        messages.error(request, f"{field}: {'；'.join(errors)}")
    return redirect(redirect_to)


def _posting(view):
    """POST handlers: a refusal becomes a message on the page the form came from."""

    @login_required
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        back = _safe_next(request) or request.META.get("HTTP_REFERER") or "/supply/"
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return _refused(request, exc, back)

    return wrapper


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Each role to its own console."""
    user = request.user
    if is_platform_operator(user):
        return redirect("web:supply_review")
    if selectors.producers_of(user).exists():
        return redirect("web:supply_producer")
    if selectors.regions_of(user).exists():
        return redirect("web:supply_region")
    if selectors.retailers_of(user).exists():
        return redirect("web:supply_retailer")
    return redirect("web:supply_register")


# --- producers ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    ctx = {"form": request.POST}
    if request.method == "POST":
        fields = ("name", "code", "licence_number", "username", "password", "phone")
        try:
            services.register_producer(**{f: request.POST.get(f, "") for f in fields})
        except DomainError as exc:
            return _error(request, exc, TEMPLATES + "register.html", **ctx)
        messages.success(request, _("申请已提交，平台审核通过后即可上传商品。请登录查看进度。"))
        return redirect("web:login")
    return render(request, TEMPLATES + "register.html", ctx)


def _producer(request):
    return selectors.producers_of(request.user).first()


def _chart(rows) -> str:
    import plotly.graph_objects as go

    figure = go.Figure(
        go.Bar(x=[r for r, _t in rows], y=[float(t) for _r, t in rows], marker_color="#e4393c")
    )
    return charts.render(
        figure,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        height=240,
        yaxis={"rangemode": "tozero", "title": "¥"},
    )


@login_required
@require_GET
def producer(request: HttpRequest) -> HttpResponse:
    org = _producer(request)
    if org is None:
        application = selectors.application_of(request.user)
        return _page(request, "pending.html", "producer", application=application)
    return _producer_page(request, org)


def _producer_page(request, org, status: int = 200, **extra) -> HttpResponse:
    application = selectors.application_of(request.user)
    approved = services.producer_is_approved(org)
    by_region = selectors.sales_by_region(producer=org)
    response = _page(
        request,
        "producer.html",
        "producer",
        producer=org,
        approved=approved,
        application=application,
        offers=selectors.offers_for(request.user, producer=org)[:100],
        orders=selectors.purchase_orders_for(request.user).filter(lines__producer=org)[:50],
        categories=Category.objects.filter(is_active=True).order_by("position", "name"),
        sell_through=selectors.sell_through(org),
        forecast=selectors.demand_forecast(org),
        chart=_chart(by_region) if by_region else "",
        weeks=selectors.FORECAST_HISTORY_WEEKS,
        **extra,
    )
    response.status_code = status
    return response


@_posting
def upload(request: HttpRequest) -> HttpResponse:
    org = _producer(request)
    if org is None:
        return redirect("web:supply_register")
    form = request.POST
    try:
        duplicates.check(
            owner=org,
            brand=None,
            name=form.get("name", ""),
            confirmed=form.get("confirm_duplicate") == "1",
        )
        with uploads.saved_images(uploads.photo_files(request), folder="products") as photos:
            product = services.upload_goods(
                actor=request.user,
                producer=org,
                category=catalog.category_by_slug(form.get("category", "")),
                name=form.get("name", ""),
                subtitle=form.get("subtitle", ""),
                description=form.get("description", ""),
                skus=[
                    {
                        "code": form.get("code", ""),
                        "name": form.get("sku_name", "") or _("标准装"),
                        "retail_price": form.get("retail_price", ""),
                        "wholesale_price": form.get("wholesale_price", ""),
                        "wholesale_ceiling": form.get("wholesale_ceiling") or None,
                        "min_order_quantity": _int(
                            form.get("min_order_quantity", "1"), "min_order_quantity"
                        ),
                    }
                ],
                photos=photos,
            )
    except DomainError as exc:  # the page again, with what was typed and the field's message
        return _producer_page(request, org, exc.status, error=exc, form=form)
    messages.success(request, _("“%(name)s”已提交审核。") % {"name": product.name})
    return redirect("web:supply_producer")


@_posting
def edit_terms(request: HttpRequest, public_id: str) -> HttpResponse:
    offer = selectors.offers_for(request.user).filter(public_id=public_id).first()
    if offer is None:
        return redirect("web:supply_producer")
    form = request.POST
    services.edit_terms(
        actor=request.user,
        offer=offer,
        retail_price=form.get("retail_price") or None,
        wholesale_price=form.get("wholesale_price") or None,
        wholesale_ceiling=form.get("wholesale_ceiling") or None,
        min_order_quantity=_int(form.get("min_order_quantity"), "moq")
        if form.get("min_order_quantity")
        else None,
    )
    messages.success(request, _("供货条件已更新。"))
    return redirect("web:supply_producer")


# --- the management centre ----------------------------------------------------------------


@login_required
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    if not is_platform_operator(request.user):
        return redirect("web:supply_home")
    queue = list(selectors.review_queue(request.user)[:50])
    twins = duplicates.of(queue)
    for product in queue:
        product.duplicates = twins[product.pk]
    return _page(
        request,
        "review.html",
        "review",
        queue=queue,
        applications=selectors.pending_applications(request.user)[:50],
        categories=Category.objects.filter(is_active=True).order_by("position", "name"),
        zones=[(k, str(v)) for k, v in FEATURED_ZONES.items()],
        regions=merchandising.ranking_regions(),
        channels=Channel.choices,
        statements=selectors.statements_for(request.user)[:50],
        parties=settlement.PARTIES,
    )


@_posting
def decide_goods(request: HttpRequest, public_id: str) -> HttpResponse:
    product = selectors.queued_product(request.user, public_id)
    approve = request.POST.get("decision") == "approve"
    slug = request.POST.get("placement_category", "")
    services.review_goods(
        actor=request.user,
        product=product,
        approve=approve,
        reason=request.POST.get("reason", ""),
        placement_category=catalog.category_by_slug(slug) if slug else None,
        featured_zones=request.POST.getlist("zones"),
        regions=selectors.regions_by_id(request.POST.getlist("regions")),
    )
    messages.success(request, _("已通过审核。") if approve else _("已驳回。"))
    return redirect("web:supply_review")


@_posting
def decide_producer(request: HttpRequest, public_id: str) -> HttpResponse:
    application = selectors.application_for(request.user, public_id)
    services.review_producer(
        actor=request.user,
        application=application,
        approve=request.POST.get("decision") == "approve",
        reason=request.POST.get("reason", ""),
    )
    return redirect("web:supply_review")


@_posting
def split_rule(request: HttpRequest) -> HttpResponse:
    form = request.POST
    slug = form.get("category", "")
    settlement.set_split_rule(
        actor=request.user,
        channel=form.get("channel", ""),
        category=catalog.category_by_slug(slug) if slug else None,
        percents={p: form.get(f"percent_{p}", "0") for p in settlement.PARTIES},
        fees={p: form.get(f"fee_{p}", "0") for p in settlement.PARTIES},
    )
    messages.success(request, _("分润规则已保存。"))
    return redirect("web:supply_review")


# --- regions ------------------------------------------------------------------------------


@login_required
@require_GET
def region(request: HttpRequest) -> HttpResponse:
    org = selectors.regions_of(request.user).first()
    if org is None:
        return redirect("web:supply_home")
    chosen = {s.offer_id: s for s in selectors.region_selection(org)}
    by_region = selectors.sales_by_region(region=org)
    return _page(
        request,
        "region.html",
        "region",
        region=org,
        offers=[(o, chosen.get(o.pk)) for o in selectors.offers_for_region(org)[:200]],
        retailers=selectors.retailers_of_region(org),
        demand=selectors.region_demand(org)[:50],
        orders=selectors.purchase_orders_for(request.user).filter(region=org)[:50],
        chart=_chart(by_region) if by_region else "",
    )


@_posting
def select(request: HttpRequest) -> HttpResponse:
    org = selectors.regions_of(request.user).first()
    if org is None:
        return redirect("web:supply_home")
    offer = selectors.approved_offer(request.POST.get("offer", ""))
    services.select_offer(
        actor=request.user, region=org, offer=offer, wholesale_price=request.POST.get("price")
    )
    messages.success(request, _("已加入本区域供货清单。"))
    return redirect("web:supply_region")


# --- purchase orders (both sides) --------------------------------------------------------------


@login_required
@require_GET
def purchase_order(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        order = selectors.purchase_order_for(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    return _page(
        request,
        "purchase_order.html",
        "orders",
        order=order,
        lines=order.lines.select_related("sku__product"),
        shipments=order.shipments.prefetch_related("lines__po_line__sku"),
        discrepancies=selectors.discrepancies(order),
        is_retailer=procurement.actor_is_retailer(request.user, order),
    )


@_posting
def po_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    order = selectors.purchase_order_for(request.user, public_id)
    form = request.POST
    if action == "confirm":
        procurement.confirm_order(actor=request.user, order=order)
    elif action == "ship":
        quantities = {
            line.sku.public_id: _int(form.get(f"ship_{line.sku.public_id}", "0"), "quantity")
            for line in order.lines.select_related("sku")
        }
        procurement.ship(actor=request.user, order=order, quantities=quantities)
    elif action == "receive":
        shipment = selectors.shipment_for(request.user, form.get("shipment", ""))
        received = {
            line.po_line.sku.public_id: _int(
                form.get(f"recv_{line.po_line.sku.public_id}", line.quantity), "received"
            )
            for line in shipment.lines.select_related("po_line__sku")
        }
        procurement.receive(
            actor=request.user, shipment=shipment, received=received, note=form.get("note", "")
        )
    elif action == "cancel":
        procurement.cancel_order(actor=request.user, order=order, reason=form.get("reason", ""))
    messages.success(request, _("已更新采购单。"))
    return redirect("web:supply_po", public_id=order.public_id)


# --- retailers ----------------------------------------------------------------------------


def _retailer_store(request):
    wanted = request.GET.get("store") or request.POST.get("store")
    if wanted:
        return stores.store_for_actor(request.user, wanted)
    return (
        stores.stores_for_actor(request.user)
        .filter(is_active=True, merchant__region__isnull=False)
        .first()
    )


@login_required
@require_GET
def retailer(request: HttpRequest) -> HttpResponse:
    try:
        store = _retailer_store(request)
    except DomainError as exc:
        return _error(request, exc)
    if store is None:
        return redirect("web:supply_home")
    return _page(
        request,
        "retailer.html",
        "retailer",
        store=store,
        stores=stores.stores_for_actor(request.user).filter(is_active=True),
        catalogue=selectors.catalogue_for_retailer(store.merchant),
        orders=selectors.purchase_orders_for(request.user).filter(retailer=store.merchant)[:50],
    )


@_posting
def order_goods(request: HttpRequest) -> HttpResponse:
    store = _retailer_store(request)
    if store is None:  # no store to receive into: the retailer console says what to do
        return redirect("web:supply_home")
    lines = []
    for key, value in request.POST.items():
        if key.startswith("qty_") and value.strip() not in ("", "0"):
            selection = selectors.regional_offer_for(request.user, key[4:])
            lines.append((selection, _int(value, f"lines.{key[4:]}.quantity")))
    order = procurement.place_order(actor=request.user, store=store, lines=lines)
    messages.success(request, _("采购单 %(n)s 已提交。") % {"n": order.number})
    return redirect("web:supply_po", public_id=order.public_id)


# --- statements --------------------------------------------------------------------------


@login_required
@require_GET
def statements(request: HttpRequest) -> HttpResponse:
    return _page(
        request, "statements.html", "statements", statements=selectors.statements_for(request.user)
    )


@login_required
@require_GET
def statement_export(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        return statement_csv(selectors.statement_for(request.user, public_id))
    except DomainError as exc:
        return _error(request, exc)


@_posting
def issue_statements(request: HttpRequest) -> HttpResponse:
    services.require_platform(request.user)
    start, end = settlement.parse_period(
        request.POST.get("period_start", ""), request.POST.get("period_end", "")
    )
    settlement.issue_statements(period_start=start, period_end=end)
    return redirect("web:supply_statements")


@_posting
def pay_statement(request: HttpRequest, public_id: str) -> HttpResponse:
    settlement.pay_out(
        actor=request.user, statement=selectors.statement_for(request.user, public_id)
    )
    return redirect("web:supply_statements")


# --- the shop and the mall ----------------------------------------------------------------


@require_GET
def shop(request: HttpRequest, public_id: str) -> HttpResponse:
    """A retailer's online shop: filled by what its store stocks, no listing by hand."""
    try:
        store = stores.public_store(public_id)
    except DomainError as exc:
        return _error(request, exc)
    return _page(request, "shop.html", "shop", store=store, items=selectors.shop_of(store))


@require_GET
def mall(request: HttpRequest) -> HttpResponse:
    """Goods in stock at stores near the shopper (around the city centre without a point)."""
    lat, lon = request.GET.get("lat"), request.GET.get("lon")
    if lat is None or lon is None:
        lat, lon = settings.OMNI_CITY_CENTER
    try:
        items = selectors.mall_near(lat=lat, lon=lon)
    except DomainError as exc:
        return _error(request, exc)
    return _page(request, "mall.html", "mall", items=items, lat=lat, lon=lon)


@_posting
def deliver(request: HttpRequest) -> HttpResponse:
    """Buy one item for delivery: routed to the nearest store that has it."""
    form = request.POST
    sku = sku_by_public_id(form.get("sku", ""))
    order = routing.place_routed_order(
        shopper=request.user,
        lines=[(sku, _int(form.get("quantity", "1"), "quantity"))],
        lat=form.get("lat"),
        lon=form.get("lon"),
        delivery_address={k: form.get(k, "") for k in ("name", "phone", "address")},
        payment_provider=form.get("provider", "sandbox_gateway"),
    )
    return redirect("web:order", public_id=order.public_id)
