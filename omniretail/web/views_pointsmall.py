"""The points mall on the pages (mobile first): goods, a good with its stores and stock, the
redeem button, and the member's vouchers with the pickup code to show at the store. No
business rule lives here."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from omniretail.core.errors import DomainError
from omniretail.core.ids import new_public_id
from omniretail.loyalty import selectors as loyalty
from omniretail.loyalty import services as loyalty_services
from omniretail.orders.models import Order
from omniretail.orders.pickup import pickup_qr_svg
from omniretail.pointsmall import selectors, services
from omniretail.pointsmall.models import Redemption
from omniretail.stores.models import Store
from omniretail.web.views import _error

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
        "key": new_public_id(),  # one redeem attempt: a double tap replays it
        "login_url": reverse("web:login") + "?" + urlencode({"next": request.path}),
        "error": error,
    }
    return render(request, "web/pointsmall/detail.html", ctx, status=error.status if error else 200)


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
