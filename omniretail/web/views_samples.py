"""免费试用 pages: the shopper's claim page (pickup at a store with stock, or delivery to an
address of their book) and the console that lists offers, their requests and conversions,
and starts one. Each calls merchandising.samples, which checks who may and what is left."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.addresses import selectors as address_book
from omniretail.catalog.models import Sku
from omniretail.core.errors import DomainError, field_error
from omniretail.merchandising import samples
from omniretail.orders import selectors as orders
from omniretail.orders import services as order_services
from omniretail.orders import slots
from omniretail.web.views import _error
from omniretail.web.views_merchandising import _count, _when

SLOTS_SHOWN = 12
STORES_SHOWN = 10


@dataclass
class _Line:
    sku: Sku
    quantity: int = 1


def _stores_with_stock(sku: Sku) -> list:
    """Stores near the city centre that hold the sample on their shelf, nearest first."""
    lat, lon = settings.OMNI_CITY_CENTER
    rows = orders.stock_availability([_Line(sku)], lat=lat, lon=lon, limit=STORES_SHOWN)
    return [row["nearby"].store for row in rows if row["can_fulfil"]]


def _claim_context(request: HttpRequest, offer, form) -> dict:
    stores = _stores_with_stock(offer.sku)
    chosen = next((s for s in stores if s.public_id == form.get("store")), None)
    store = chosen or (stores[0] if stores else None)
    addresses = list(address_book.addresses_of(request.user))
    return {
        "tab": "",
        "offer": offer,
        "claimed": samples.claimed_by(offer, request.user),
        "stores": stores,
        "store": store,
        "slots": slots.open_slots(store)[:SLOTS_SHOWN] if store else [],
        "addresses": addresses,
        "kind": form.get("kind", "pickup"),
        "form": form,
    }


def _fulfilment(request: HttpRequest, ctx: dict, form):
    kind = form.get("kind", "")
    if not ctx["store"]:
        raise field_error("store", _("附近门店暂无此样品，请稍后再试。"))
    if kind == "delivery":
        address = next((a for a in ctx["addresses"] if a.public_id == form.get("address_id")), None)
        if address is None:
            raise field_error("address_id", _("请选择收货地址。"))
        return order_services.resolve_fulfilment(
            kind=kind, store=ctx["store"], delivery_address=address.snapshot()
        )
    return order_services.resolve_fulfilment(
        kind=kind, store=ctx["store"], pickup_slot_start=parse_datetime(form.get("pickup_slot", ""))
    )


@login_required
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, public_id: str) -> HttpResponse:
    """申领样品: choose how to receive it; the claim is a 0-price order, shown once placed."""
    try:
        offer = samples.running_offer(public_id)
    except DomainError as exc:
        return _error(request, exc)
    form = request.POST if request.method == "POST" else request.GET
    ctx = _claim_context(request, offer, form)
    if request.method == "GET":
        return render(request, "web/merchandising/sample_claim.html", ctx)
    try:
        fulfilment = _fulfilment(request, ctx, form)
        claimed = samples.claim_sample(member=request.user, offer=offer, fulfilment=fulfilment)
    except DomainError as exc:
        return _error(request, exc, "web/merchandising/sample_claim.html", **ctx)
    messages.success(request, _("申领成功：样品订单已生成。"))
    return redirect("web:order", public_id=claimed.order.public_id)


@login_required
@require_http_methods(["GET", "POST"])
def console(request: HttpRequest) -> HttpResponse:
    """The offers on this person's organisations' products (all for the platform) with
    requests, conversions and rate, and a form to start one."""
    try:
        ctx = {
            "tab": "me",
            "offers": samples.offers_for(request.user),
            "now": timezone.now(),
            "skus": samples.manageable_skus(request.user),
            "form": request.POST,
        }
    except DomainError as exc:
        return _error(request, exc)
    if request.method == "GET":
        return render(request, "web/merchandising/samples.html", ctx)
    try:
        samples.create_offer(
            actor=request.user,
            sku=samples.sku_for_offer(request.user, request.POST.get("sku", "")),
            stock=_count(request.POST.get("stock")),
            per_member_limit=_count(request.POST.get("per_member_limit")) or 1,
            starts_at=_when(request.POST.get("starts_at")),
            ends_at=_when(request.POST.get("ends_at")),
        )
    except DomainError as exc:
        return _error(request, exc, "web/merchandising/samples.html", **ctx)
    messages.success(request, _("免费试用已保存。"))
    return redirect("web:samples")


@login_required
@require_POST
def end(request: HttpRequest, public_id: str) -> HttpResponse:
    """结束: the offer stops now (samples.end_offer); posting it again changes nothing."""
    try:
        offer = samples.offer_for(request.user, public_id)
        samples.end_offer(actor=request.user, offer=offer)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("免费试用已结束。"))
    return redirect("web:samples")


@login_required
@require_GET
def requests(request: HttpRequest, public_id: str) -> HttpResponse:
    """One offer's requests: who (masked), the order, how it is received, and converted."""
    try:
        offer = samples.offer_for(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    ctx = {"tab": "me", "offer": offer, "claims": samples.claims_of(offer)}
    return render(request, "web/merchandising/sample_requests.html", ctx)
