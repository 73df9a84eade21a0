"""The points mall on the pages (mobile first): goods, a good with its stores and stock, the
redeem button, and the member's vouchers with the pickup code to show at the store; in the
merchant console, the merchant's goods and a form to list one. No business rule lives
here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.catalog.models import Sku
from omniretail.core.errors import DomainError, NotFound
from omniretail.core.ids import new_public_id
from omniretail.loyalty import selectors as loyalty
from omniretail.loyalty import services as loyalty_services
from omniretail.orders.models import Order
from omniretail.orders.pickup import pickup_qr_svg
from omniretail.payments import selectors as payment_selectors
from omniretail.pointsmall import selectors, services
from omniretail.pointsmall.models import Redemption
from omniretail.stores.models import Store
from omniretail.web.access import staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx, _sku_choices

LIST_SIZE = 60


@require_GET
def mall(request: HttpRequest) -> HttpResponse:
    user = request.user
    ctx = {
        "tab": "me",
        "goods": selectors.goods()[:LIST_SIZE],
        "balance": loyalty.balance(user, loyalty_services.PLATFORM_POINTS)
        if user.is_authenticated
        else None,
    }
    return render(request, "web/pointsmall/list.html", ctx)


def _good_page(request: HttpRequest, public_id: str, *, error=None, chosen: str = ""):
    try:
        good = selectors.good(public_id)
    except DomainError as exc:
        return _error(request, exc)
    stores = selectors.availability(good)
    ctx = {
        "tab": "me",
        "good": good,
        "stores": stores,
        "chosen": chosen or next((r["store"].public_id for r in stores if r["available"]), ""),
        "balance": selectors.balance(request.user, good),
        # the cash part is paid like an order: the payer picks how, among what is enabled
        "methods": payment_selectors.payment_methods(
            payer=request.user if request.user.is_authenticated else None
        )
        if good.cash_price
        else [],
        "key": new_public_id(),  # one redeem attempt: a double tap replays it
        "login_url": reverse("web:login") + "?" + urlencode({"next": request.path}),
        "error": error,
    }
    return render(request, "web/pointsmall/detail.html", ctx, status=error.status if error else 200)


def _provider(request: HttpRequest, good) -> dict:
    """How the cash part is paid: the payer's choice, else the first method offered."""
    if not good.cash_price:
        return {}
    chosen = request.POST.get("provider", "")
    if not chosen:
        offered = payment_selectors.method_names()
        chosen = offered[0] if offered else ""
    return {"payment_provider": chosen}


@require_GET
def good(request: HttpRequest, public_id: str) -> HttpResponse:
    return _good_page(request, public_id)


@login_required
@require_POST
def redeem(request: HttpRequest, public_id: str) -> HttpResponse:
    chosen = request.POST.get("store", "")
    try:
        found = selectors.good(public_id)
        row = services.redeem(
            member=request.user,
            good=found,
            store=Store.objects.filter(public_id=chosen).first(),
            idempotency_key=request.POST.get("key", ""),
            **_provider(request, found),
        )
    except DomainError as exc:
        return _good_page(request, public_id, error=exc, chosen=chosen)
    if row.order.status == Order.Status.PENDING_PAYMENT:
        return redirect("web:order", public_id=row.order.public_id)  # pay the cash part
    return redirect("web:voucher", public_id=row.public_id)


@login_required
@require_GET
def vouchers(request: HttpRequest) -> HttpResponse:
    rows = selectors.vouchers_of(request.user)[:LIST_SIZE]
    return render(request, "web/pointsmall/vouchers.html", {"tab": "me", "vouchers": rows})


@login_required
@require_GET
def voucher(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        row = selectors.voucher_of(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    pickup = getattr(row.order, "pickup_code", None)
    show = pickup is not None and row.status == Redemption.Status.ISSUED
    ctx = {
        "tab": "me",
        "voucher": row,
        "pickup": pickup if show else None,
        "qr": mark_safe(pickup_qr_svg(pickup)) if show else "",  # our own SVG
    }
    return render(request, "web/pointsmall/voucher.html", ctx)


# ---------------------------------------------------------------- merchant console


def _int_or_raw(raw: str | None):
    raw = (raw or "").strip()
    try:
        return int(raw)
    except ValueError:
        return raw  # the service refuses it with a field message


@staff_required
@require_http_methods(["GET", "POST"])
def merchant_goods(request: HttpRequest, store) -> HttpResponse:
    """The merchant's points goods with their redemptions, and a form to list another."""
    if store is None:
        return _error(request, NotFound(_("请先创建门店。")), "web/merchant/error.html")
    merchant = store.merchant
    shops = list(merchant.stores.filter(is_active=True).order_by("name"))

    def page(status=200, **extra):
        ctx = _ctx(
            request,
            store,
            "pointsmall",
            goods=selectors.goods_with_counts(merchant),
            skus=_sku_choices(),
            shops=shops,
            form=request.POST,
            chosen=request.POST.getlist("stores") or [s.public_id for s in shops],
            platform_asset=loyalty_services.PLATFORM_POINTS,
            own_asset=loyalty_services.merchant_asset_code(merchant),
            **extra,
        )
        return render(request, "web/pointsmall/merchant.html", ctx, status=status)

    if request.method == "GET":
        return page()
    try:
        services.create_good(
            actor=request.user,
            merchant=merchant,
            sku=Sku.objects.select_related("product")
            .filter(public_id=request.POST.get("sku"))
            .first(),
            title=request.POST.get("title", ""),
            points_price=_int_or_raw(request.POST.get("points_price")),
            cash_price=request.POST.get("cash_price") or "0",
            voucher_days=_int_or_raw(request.POST.get("voucher_days") or "7"),
            stores=[s for s in shops if s.public_id in request.POST.getlist("stores")],
            description=request.POST.get("description", ""),
            asset_code=request.POST.get("asset_code") or loyalty_services.PLATFORM_POINTS,
        )
    except DomainError as exc:
        return page(status=exc.status, error=exc)
    messages.success(request, _("积分商品已上架。"))
    return redirect("web:m_points_goods")
