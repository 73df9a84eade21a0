"""Merchandising over JSON: the spec picker of a product (mounted under /catalog, beside the
product it belongs to) and free samples (/merchandising)."""

from ninja import Router, Status

from omniretail.accounts.auth import AUTH
from omniretail.catalog import selectors as catalog
from omniretail.merchandising import picker, samples
from omniretail.merchandising.models import SampleOffer
from omniretail.merchandising.schemas import (
    SampleClaimIn,
    SampleClaimOut,
    SampleOfferIn,
    SampleOfferOut,
    SampleStatsOut,
    SpecPickerOut,
)
from omniretail.orders import selectors as orders
from omniretail.orders import services as order_services
from omniretail.orders.api import order_out

catalog_router = Router(tags=["catalog"])
router = Router(tags=["merchandising"])


@catalog_router.get("/products/{product_id}/specs", response=SpecPickerOut, auth=None)
def specs(request, product_id: str):
    """The product's spec axes and, per combination, the price now and the stock."""
    return picker.spec_picker(catalog.public_product(product_id))


def _offer_out(offer: SampleOffer) -> dict:
    return {
        "id": offer.public_id,
        "product": offer.sku.product.public_id,
        "product_name": offer.sku.product.name,
        "sku": offer.sku.public_id,
        "sku_name": offer.sku.name,
        "stock": offer.stock,
        "remaining": offer.remaining,
        "per_member_limit": offer.per_member_limit,
        "starts_at": offer.starts_at,
        "ends_at": offer.ends_at,
    }


def _stats_out(offer: SampleOffer) -> dict:
    return {
        **_offer_out(offer),
        "claims": offer.claim_count,
        "conversions": offer.conversions,
        "conversion_rate": offer.rate,
    }


@router.get("/samples", response=list[SampleOfferOut], auth=None)
def running_samples(request):
    """The samples a shopper may claim now (units left, window open)."""
    return [_offer_out(o) for o in samples.running_by_product().values()]


@router.post("/samples/{offer_id}/claims", response={201: SampleClaimOut}, auth=AUTH)
def claim_sample(request, offer_id: str, payload: SampleClaimIn):
    """One unit as a 0-price order for pickup or delivery. 409 `sample_limit` over the
    member's limit, 409 `sample_sold_out` for the last unit taken meanwhile, 404 once ended."""
    offer = samples.running_offer(offer_id)
    fulfilment = order_services.resolve_fulfilment(
        kind=payload.fulfilment,
        store=orders.store_for_checkout(payload.store),
        pickup_slot_start=payload.pickup_slot,
        delivery_address=payload.delivery_address.dict() if payload.delivery_address else None,
    )
    claim = samples.claim_sample(member=request.auth, offer=offer, fulfilment=fulfilment)
    order = orders.with_details(claim.order)
    return Status(
        201, {"offer": offer.public_id, "created_at": claim.created_at, "order": order_out(order)}
    )


@router.get("/manage/samples", response=list[SampleStatsOut], auth=AUTH)
def managed_samples(request):
    """The offers on the caller's organisations' products, with requests and conversions."""
    return [_stats_out(o) for o in samples.offers_for(request.auth)]


@router.post("/manage/samples", response={201: SampleStatsOut}, auth=AUTH)
def create_sample(request, payload: SampleOfferIn):
    offer = samples.create_offer(
        actor=request.auth,
        sku=samples.sku_for_offer(request.auth, payload.sku),
        stock=payload.stock,
        per_member_limit=payload.per_member_limit,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
    )
    return Status(201, _stats_out(samples.offer_for(request.auth, offer.public_id)))


@router.post("/manage/samples/{offer_id}/end", response={200: SampleOfferOut, 204: None}, auth=AUTH)
def end_sample(request, offer_id: str):
    """结束: a running offer ends now (200, with its new `ends_at`); one not yet started is
    removed (204); an ended one is answered as it is. Another organisation's offer is 404."""
    offer = samples.end_offer(actor=request.auth, offer=samples.offer_for(request.auth, offer_id))
    return Status(200, _offer_out(offer)) if offer.pk else Status(204, None)
