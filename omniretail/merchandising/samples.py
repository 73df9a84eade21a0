"""免费试用 (free samples): an offer gives away `stock` units of one SKU in a window, at most
`per_member_limit` to a member. A claim is a 0-price order through the normal fulfilment
(pickup at a store with its slot, or delivery to an address: `orders.free`), so the store
hands the sample over like any order.

Claiming is one transaction: the member's row is locked (their parallel claims are counted
one by one), then `remaining` drops by a conditional UPDATE that only succeeds while a unit
is left and the window holds, so members racing for the last units get exactly that many;
an order that cannot be placed (the store has none on its shelf) rolls the unit back.

A claim **converts** when the same member later pays money for the same product (any of
its SKUs, at a price above 0, in an order neither cancelled nor refunded)."""

from datetime import datetime

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.accounts.selectors import is_platform_operator, organizations_of, require_user
from omniretail.catalog.models import Product, Sku
from omniretail.core.errors import Conflict, NotFound, ValidationFailed, field_error
from omniretail.merchandising.models import SampleClaim, SampleOffer
from omniretail.merchandising.services import (
    _optional_count,
    _require_product_owner,
    _take_down,
    _window,
)
from omniretail.orders import free
from omniretail.orders.models import Order, OrderLine
from omniretail.orders.services import Fulfilment

MAX_LISTED = 200
S = Order.Status


def _running(now: datetime):
    return Q(starts_at__lte=now, ends_at__gt=now, remaining__gt=0)


@transaction.atomic
def create_offer(*, actor, sku: Sku, stock, per_member_limit=1, starts_at, ends_at) -> SampleOffer:
    """A sample offer on a SKU on sale; refused as a whole (422, nothing written) when the
    window is empty or reversed or a count is not a positive whole number."""
    _require_product_owner(actor, sku.product)
    fields: dict = {}
    if not sku.is_active or sku.product.status != Product.Status.APPROVED:
        fields["sku"] = _("只能为在售的商品规格设置免费试用。")
    _window(starts_at, ends_at, fields)
    stock = _optional_count(stock, "stock", fields)
    limit = _optional_count(per_member_limit, "per_member_limit", fields)
    if stock is None and "stock" not in fields:
        fields["stock"] = _("请填写试用总量。")
    if fields:
        raise ValidationFailed(fields=fields)
    return SampleOffer.objects.create(
        sku=sku,
        stock=stock,
        remaining=stock,
        per_member_limit=limit or 1,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor,
    )


@transaction.atomic
def end_offer(*, actor, offer: SampleOffer, now=None) -> SampleOffer:
    """End an offer early: a running one ends now, so its badge and button go at once and
    a claim in flight is refused by its own conditional UPDATE; one not started is removed;
    an ended one stays as it was (ending twice changes nothing)."""
    _require_product_owner(actor, offer.sku.product)
    _take_down(offer, now or timezone.now())
    return offer


def running_product_ids():
    """Products with an offer running now with units left, as a subquery (catalog.offers)."""
    return SampleOffer.objects.filter(_running(timezone.now())).values("sku__product_id")


def running_by_product(*, now=None) -> dict[int, SampleOffer]:
    """Product id -> an offer running at `now` with units left (one query for a grid)."""
    offers = (
        SampleOffer.objects.filter(_running(now or timezone.now()))
        .select_related("sku")
        .order_by("ends_at", "id")
    )
    by_product: dict[int, SampleOffer] = {}
    for offer in offers:
        by_product.setdefault(offer.sku.product_id, offer)
    return by_product


def running_offer(public_id: str, *, now=None) -> SampleOffer:
    """The offer a shopper claims: running now with units left, on a product on sale."""
    offer = (
        SampleOffer.objects.select_related("sku__product")
        .filter(
            _running(now or timezone.now()),
            public_id=public_id,
            sku__is_active=True,
            sku__product__status=Product.Status.APPROVED,
        )
        .first()
    )
    if offer is None:
        raise NotFound(_("该免费试用已结束或已领完。"))
    return offer


def claimed_by(offer: SampleOffer, member) -> int:
    return SampleClaim.objects.filter(offer=offer, member=member).count()


@transaction.atomic
def claim_sample(*, member, offer: SampleOffer, fulfilment: Fulfilment, now=None) -> SampleClaim:
    """One unit for the member, as a 0-price order (see the module's docstring); refused
    with a 409 and nothing changed when over the member's limit, sold out or ended."""
    require_user(member)
    now = now or timezone.now()
    User.objects.select_for_update(no_key=True).filter(pk=member.pk).values_list("pk").first()
    had = claimed_by(offer, member)
    if had >= offer.per_member_limit:
        raise Conflict(
            _("每人限领 %(max)s 份，您已领取 %(had)s 份。")
            % {"max": offer.per_member_limit, "had": had},
            code="sample_limit",
        )
    took = SampleOffer.objects.filter(_running(now), pk=offer.pk).update(
        remaining=F("remaining") - 1
    )
    if not took:
        raise Conflict(_("试用装已领完或活动已结束。"), code="sample_sold_out")
    order = free.place_free_order(
        shopper=member,
        sku=offer.sku,
        fulfilment=fulfilment,
        provider=free.SAMPLE,
        note=_("免费试用：%(name)s") % {"name": offer.sku.product.name},
    )
    return SampleClaim.objects.create(offer=offer, member=member, order=order)


def _converted():
    """Whether the claim's member later paid for the claim's product."""
    return Exists(
        OrderLine.objects.filter(
            order__shopper=OuterRef("member"),
            sku__product=OuterRef("offer__sku__product"),
            order__paid_at__gt=OuterRef("created_at"),
            unit_price__gt=0,
        ).exclude(order__status__in=[S.CANCELLED, S.REFUNDED])
    )


def offers_for(user) -> list[SampleOffer]:
    """The offers `user` may watch (their organisations' products; all for the platform),
    latest first, each with `claim_count`, `conversions` and `rate` (percent) set."""
    require_user(user)
    qs = SampleOffer.objects.select_related("sku__product")
    if not is_platform_operator(user):
        qs = qs.filter(sku__product__owner__in=organizations_of(user))
    offers: list = list(qs.annotate(claim_count=Count("claims")).order_by("-starts_at", "-id"))
    converted = dict(
        SampleClaim.objects.filter(offer__in=offers)
        .annotate(converted=_converted())
        .filter(converted=True)
        .values("offer")
        .annotate(n=Count("id"))
        .values_list("offer", "n")
    )
    for offer in offers:
        offer.conversions = converted.get(offer.pk, 0)
        offer.rate = round(100 * offer.conversions / offer.claim_count) if offer.claim_count else 0
    return offers


def offer_for(user, public_id: str) -> SampleOffer:
    offer = next((o for o in offers_for(user) if o.public_id == public_id), None)
    if offer is None:
        raise NotFound(_("找不到该免费试用。"))
    return offer


def claims_of(offer: SampleOffer) -> list[SampleClaim]:
    """The offer's requests, latest first, each with its order and `converted`."""
    return list(
        SampleClaim.objects.filter(offer=offer)
        .select_related("member", "order", "order__store")
        .annotate(converted=_converted())[:MAX_LISTED]
    )


def _manageable_skus(user):
    skus = Sku.objects.filter(is_active=True, product__status=Product.Status.APPROVED)
    if not is_platform_operator(user):
        skus = skus.filter(product__owner__in=organizations_of(user))
    return skus.select_related("product")


def manageable_skus(user) -> list[Sku]:
    """The SKUs on sale `user` may give samples of (the console's choice)."""
    return list(_manageable_skus(user).order_by("product__name", "id")[:MAX_LISTED])


def sku_for_offer(user, public_id: str) -> Sku:
    sku = _manageable_skus(user).filter(public_id=public_id).first()
    if sku is None:
        raise field_error("sku", _("请选择商品规格。"))
    return sku
