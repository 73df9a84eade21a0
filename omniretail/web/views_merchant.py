"""The merchant console for store staff: today's orders, pickup redemption (核销), order
handling, after-sales decisions and stock. Every read goes through a selector scoped to
request.user; the chosen store is remembered in the session (or picked with ?store=)."""

from collections import Counter
from datetime import timedelta

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.analytics import live
from omniretail.analytics import selectors as reports
from omniretail.catalog import selectors as catalog
from omniretail.core.errors import DomainError, ValidationFailed, field_error
from omniretail.inventory import selectors as stock_reads
from omniretail.inventory import services as inventory
from omniretail.orders import aftersales, pickup, selectors, services
from omniretail.orders.models import AfterSalesRequest, Order
from omniretail.stores import selectors as stores
from omniretail.web import charts
from omniretail.web.access import staff_required
from omniretail.web.views import _day, _error

S = Order.Status
LIST_SIZE = 100
SKU_CHOICES = 200


def _ctx(request: HttpRequest, store, section: str, **extra) -> dict:
    return {
        "store": store,
        "stores": stores.stores_for_actor(request.user).filter(is_active=True),
        "section": section,
        **extra,
    }


# ---------------------------------------------------------------- dashboard


def _hourly_chart(rows) -> str:
    """Orders per local hour, today beside the chosen day."""
    import plotly.graph_objects as go

    hours = [f"{h:02d}:00" for h in range(24)]
    figure = go.Figure(
        [
            go.Bar(
                x=hours, y=[t["orders"] for t, _d in rows], name=_("今天"), marker_color="#e4393c"
            ),
            go.Bar(
                x=hours, y=[d["orders"] for _t, d in rows], name=_("对比日"), marker_color="#999"
            ),
        ]
    )
    return charts.render(
        figure,
        margin={"l": 30, "r": 10, "t": 10, "b": 40},
        height=240,
        barmode="group",
        legend={"orientation": "h", "y": -0.2},
        yaxis={"rangemode": "tozero", "dtick": 1},
    )


@staff_required
@require_GET
def dashboard(request: HttpRequest, store) -> HttpResponse:
    """Today's orders and, per local hour, today's sales (live, by the hourly roll-up's rule)
    beside a past day's from the roll-up (?day=, by default yesterday)."""
    today = timezone.localdate()
    try:
        day = _day(request.GET.get("day"), "day") or today - timedelta(days=1)
    except DomainError as exc:
        return _error(request, exc)
    todays = list(selectors.orders_for_staff(request.user, store=store, day=today))
    counts = Counter(o.status for o in todays)
    location = inventory.location_for_store(store)
    hourly = list(zip(live.hours_today(store), reports.hourly(day, store=store), strict=True))
    ctx = _ctx(
        request,
        store,
        "dashboard",
        today=today,
        orders=todays,
        counts=[(label, counts.get(value, 0), value) for value, label in S.choices],
        pickups=list(selectors.pickups_due(request.user, store=store)[:20]),
        low_stock=list(stock_reads.low_stock_for_actor(request.user, location=location)[:20]),
        day=day,
        hourly=hourly,
        chart=_hourly_chart(hourly),
    )
    return render(request, "web/merchant/dashboard.html", ctx)


# ---------------------------------------------------------------- redeem


@staff_required
@require_http_methods(["GET", "POST"])
def redeem(request: HttpRequest, store) -> HttpResponse:
    ctx = _ctx(request, store, "redeem", code=request.POST.get("code", ""))
    if request.method == "GET":
        return render(request, "web/merchant/redeem.html", ctx)
    try:
        order = pickup.redeem_pickup_code(staff=request.user, store=store, code=ctx["code"])
    except DomainError as exc:
        exc.run_after_rollback()  # the refused attempt stays in the audit log
        return _error(request, exc, "web/merchant/redeem.html", **ctx)
    ctx.update(redeemed=selectors.order_for_staff(request.user, order.public_id), code="")
    return render(request, "web/merchant/redeem.html", ctx)


# ---------------------------------------------------------------- orders


@staff_required
@require_GET
def orders(request: HttpRequest, store) -> HttpResponse:
    status = request.GET.get("status", "")
    qs = selectors.orders_for_staff(
        request.user, store=store, status=status if status in S.values else None
    )
    ctx = _ctx(request, store, "orders", orders=qs[:LIST_SIZE], status=status, statuses=S.choices)
    return render(request, "web/merchant/orders.html", ctx)


def _order_page(request, store, public_id, error=None):
    try:
        order = selectors.order_for_staff(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/error.html", **_ctx(request, store, "orders"))
    ctx = _ctx(
        request,
        store,
        "orders",
        order=order,
        events=list(order.events.all()),
        after_sales=list(order.after_sales.order_by("-created_at")),
        goods_with_shopper=aftersales.GOODS_WITH_SHOPPER,
        can_ready=order.fulfilment == "pickup" and order.status == S.PAID,
        # a store's same-city delivery is shipped by its rider's pick-up (orders.delivery)
        rider_leg=getattr(order, "delivery", None),
        can_ship=order.fulfilment == "delivery"
        and order.status == S.PAID
        and not hasattr(order, "delivery"),
        can_deliver=order.status == S.SHIPPED,
    )
    if error is not None:
        return _error(request, error, "web/merchant/order.html", **ctx)
    return render(request, "web/merchant/order.html", ctx)


@staff_required
@require_GET
def order_detail(request: HttpRequest, store, public_id: str) -> HttpResponse:
    return _order_page(request, store, public_id)


@staff_required
@require_POST
def order_action(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """备货完成 (ready for pickup), 发货 (ship), 确认送达 (delivered)."""
    action = request.POST.get("action")
    try:
        order = selectors.order_for_staff(request.user, public_id)
        if action == "ready":
            services.mark_ready_for_pickup(staff=request.user, order=order)
        elif action == "ship":
            services.ship_order(staff=request.user, order=order, note=request.POST.get("note", ""))
        elif action == "deliver":
            services.confirm_delivery(actor=request.user, order=order)
        else:
            raise ValidationFailed(_("请求无效。"))
    except DomainError as exc:
        return _order_page(request, store, public_id, error=exc)
    messages.success(request, _("订单状态已更新。"))
    return redirect("web:m_order", public_id=public_id)


@staff_required
@require_POST
def decide(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """同意 or 拒绝 an after-sales request of one of the merchant's orders."""
    order_id = request.POST.get("order", "")
    try:
        order = selectors.order_for_staff(request.user, order_id)
        found = selectors.after_sales_of(order, public_id)
        approve = request.POST.get("decision") == "approve"
        aftersales.decide_after_sales(
            staff=request.user, request=found, approve=approve, note=request.POST.get("note", "")
        )
    except DomainError as exc:
        if not order_id:
            return _error(request, exc, "web/merchant/error.html", **_ctx(request, store, ""))
        return _order_page(request, store, order_id, error=exc)
    if not approve:
        messages.success(request, _("已拒绝售后申请。"))
    elif found.status == found.Status.AWAITING_RETURN:
        messages.success(request, _("已同意退货，收到商品并验货后再退款。"))
    else:
        messages.success(request, _("已同意售后申请，退款已发起。"))
    return redirect("web:m_order", public_id=order_id)


AFTER_SALES_FILTERS = {
    "": (),
    "requested": (AfterSalesRequest.Status.REQUESTED,),
    "awaiting_goods": (
        AfterSalesRequest.Status.AWAITING_RETURN,
        AfterSalesRequest.Status.RETURN_SENT,
    ),
}


@staff_required
@require_GET
def after_sales_list(request: HttpRequest, store) -> HttpResponse:
    """The store's after-sales requests: 待处理, 待收货 (returns on their way back), all; a
    parcel at the counter is found by its tracking number."""
    shown = request.GET.get("status", "")
    if shown not in AFTER_SALES_FILTERS:
        shown = ""
    q = request.GET.get("q", "")[:40]
    found = selectors.after_sales_for_staff(
        request.user, store=store, status=AFTER_SALES_FILTERS[shown], q=q
    )
    ctx = _ctx(request, store, "orders", requests=found[:LIST_SIZE], shown=shown, q=q)
    return render(request, "web/merchant/after_sales.html", ctx)


@staff_required
@require_POST
def receive_return(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """确认收货 of returned goods, with their condition: only now stock and refund move."""
    order_id = request.POST.get("order", "")
    try:
        order = selectors.order_for_staff(request.user, order_id)
        found = selectors.after_sales_of(order, public_id)
        condition = request.POST.get("condition", "")
        if condition not in ("resellable", "damaged"):
            raise field_error("condition", _("请选择商品状况。"))
        aftersales.confirm_return_received(
            staff=request.user,
            request=found,
            resellable=condition == "resellable",
            note=request.POST.get("note", ""),
            store=store,
        )
    except DomainError as exc:
        if not order_id:
            return _error(request, exc, "web/merchant/error.html", **_ctx(request, store, ""))
        return _order_page(request, store, order_id, error=exc)
    messages.success(request, _("已确认收到退货，退款已发起。"))
    return redirect("web:m_order", public_id=order_id)


# ---------------------------------------------------------------- stock


def _int(value, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise field_error(field, _("请输入整数。")) from None


def _sku_choices():
    skus = []
    for product in catalog.public_products()[:SKU_CHOICES]:
        skus.extend(sku for sku in product.skus.all() if sku.is_active)
    return skus


def _destinations(request: HttpRequest, store) -> list[tuple[str, str]]:
    """Where stock can go: the merchant's other stores (their location is made on first
    use) and its counters and warehouses."""
    choices = [
        (f"store:{other.public_id}", other.name)
        for other in stores.stores_for_actor(request.user).filter(
            is_active=True, merchant_id=store.merchant_id
        )
        if other.pk != store.pk
    ]
    for location in stock_reads.locations_for_actor(request.user).filter(
        store__isnull=True, organization_id=store.merchant_id
    ):
        choices.append((f"location:{location.public_id}", str(location)))
    return choices


def _destination(request: HttpRequest, value: str):
    kind, _sep, public_id = value.partition(":")
    if kind == "store":
        return inventory.location_for_store(stores.store_for_actor(request.user, public_id))
    if kind == "location":
        return stock_reads.location_for_actor(request.user, public_id)
    raise field_error("destination", _("请选择调入库位。"))


def _stock_change(request: HttpRequest, location) -> str:
    form = request.POST
    action = form.get("action")
    sku = stock_reads.sku_by_public_id(form.get("sku", ""))
    if action == "receive":
        inventory.receive_stock(
            actor=request.user,
            location=location,
            sku=sku,
            quantity=_int(form.get("quantity"), "quantity"),
            reason=form.get("reason", ""),
        )
        return _("已入库。")
    if action == "adjust":
        inventory.adjust_stock(
            actor=request.user,
            location=location,
            sku=sku,
            delta=_int(form.get("delta"), "delta"),
            reason=form.get("reason", ""),
        )
        return _("库存已调整。")
    if action == "transfer":
        destination = _destination(request, form.get("destination", ""))
        inventory.transfer_stock(
            actor=request.user,
            source=location,
            destination=destination,
            sku=sku,
            quantity=_int(form.get("quantity"), "quantity"),
            reason=form.get("reason", ""),
        )
        return _("已调拨。")
    raise ValidationFailed(_("请求无效。"))


@staff_required
@require_http_methods(["GET", "POST"])
def stock(request: HttpRequest, store) -> HttpResponse:
    location = inventory.location_for_store(store)

    def context(**extra):
        return _ctx(
            request,
            store,
            "stock",
            location=location,
            levels=list(stock_reads.levels_for_actor(request.user, location=location)),
            destinations=_destinations(request, store),
            skus=_sku_choices(),
            form=request.POST,
            **extra,
        )

    if request.method == "POST":
        try:
            messages.success(request, _stock_change(request, location))
        except DomainError as exc:
            return _error(
                request,
                exc,
                "web/merchant/stock.html",
                **context(failed_action=request.POST.get("action")),
            )
        return redirect("web:m_stock")
    return render(request, "web/merchant/stock.html", context())
