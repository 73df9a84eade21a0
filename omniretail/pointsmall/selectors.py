"""Reads of the points mall: the public catalogue with stock per store, a member's vouchers,
a merchant's goods."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from omniretail.core.errors import NotFound
from omniretail.inventory.selectors import available_by_location
from omniretail.inventory.services import location_for_store
from omniretail.loyalty import selectors as loyalty
from omniretail.pointsmall.models import PointsGood, Redemption


def goods() -> QuerySet[PointsGood]:
    return (
        PointsGood.objects.filter(is_active=True)
        .select_related("sku__product", "merchant")
        .prefetch_related("sku__product__images")  # each good shows its picture
    )


def good(public_id: str) -> PointsGood:
    found = goods().filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("找不到该积分商品。"))
    return found


def availability(good: PointsGood) -> list[dict]:
    """Each store of the good with the units free there now."""
    stores = list(
        good.stores.filter(is_active=True).select_related("stock_location").order_by("name")
    )
    locations = {store.pk: location_for_store(store) for store in stores}
    free = available_by_location([good.sku_id], [loc.pk for loc in locations.values()])
    return [
        {"store": store, "available": max(0, free.get((locations[store.pk].pk, good.sku_id), 0))}
        for store in stores
    ]


def balance(user, good: PointsGood) -> int:
    return loyalty.balance(user, good.asset_code) if user.is_authenticated else 0


def vouchers_of(user) -> QuerySet[Redemption]:
    return Redemption.objects.filter(member=user).select_related(
        "good__sku__product", "store", "order__pickup_code"
    )


def voucher_of(user, public_id: str) -> Redemption:
    found = vouchers_of(user).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("找不到该兑换凭证。"))
    return found


def goods_with_counts(merchant) -> QuerySet[PointsGood]:
    """A merchant's goods, each with its redemptions counted by status."""
    status = Redemption.Status
    return (
        PointsGood.objects.filter(merchant=merchant)
        .select_related("sku__product")
        .annotate(
            issued=Count("redemptions", filter=Q(redemptions__status=status.ISSUED)),
            redeemed=Count("redemptions", filter=Q(redemptions__status=status.REDEEMED)),
            refunded=Count("redemptions", filter=Q(redemptions__status=status.REFUNDED)),
        )
        .order_by("-created_at")
    )
