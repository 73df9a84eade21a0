"""Stock reads, scoped to the acting user's organisations."""

import functools

from django.db.models import F, QuerySet

from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.catalog.models import Sku
from omniretail.core import reads
from omniretail.core.errors import NotFound
from omniretail.inventory.models import StockLevel, StockLocation, StockMovement


def locations_for_actor(user) -> QuerySet[StockLocation]:
    qs = StockLocation.objects.filter(is_active=True).select_related("store", "organization")
    if is_platform_operator(user):
        return qs
    return qs.filter(organization__in=organizations_of(user))


def location_for_actor(user, public_id: str) -> StockLocation:
    location = locations_for_actor(user).filter(public_id=public_id).first()
    if location is None:
        raise NotFound()
    return location


def levels_for_actor(user, *, location: StockLocation | None = None) -> QuerySet[StockLevel]:
    qs = StockLevel.objects.filter(location__in=locations_for_actor(user)).select_related(
        "location", "sku", "sku__product"
    )
    if location is not None:
        qs = qs.filter(location=location)
    return qs.order_by("location__name", "sku__code")


def low_stock_for_actor(user, *, location: StockLocation | None = None):
    return levels_for_actor(user, location=location).filter(
        on_hand__lte=F("reserved") + F("low_stock_threshold")
    )


def movements(location: StockLocation, sku) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(location=location, sku=sku).order_by("id")


@functools.lru_cache(maxsize=64)  # one per (SKU count, location count)
def _available_sql(skus: int, locations: int) -> str:
    return (
        f"SELECT location_id, sku_id, on_hand - reserved FROM {reads.table(StockLevel)}"
        f" WHERE sku_id IN ({', '.join(['%s'] * skus)})"
        f" AND location_id IN ({', '.join(['%s'] * locations)})"
    )


def available_by_location(sku_ids, location_ids) -> dict[tuple[int, int], int]:
    """Free stock per (location id, sku id), in one plain statement and without a lock, for
    carts, product pages and checkout's first look (a sold-out line is refused from it)."""
    sku_ids, location_ids = list(sku_ids), list(location_ids)
    if not sku_ids or not location_ids:
        return {}
    rows = reads.fetch(_available_sql(len(sku_ids), len(location_ids)), sku_ids + location_ids)
    return {(location, sku): free for location, sku, free in rows}


def available_by_store(sku_ids, store_ids) -> dict[tuple[int, int], int]:
    """Free stock per (store id, sku id) at each store's own location, in one query (the
    checkout's store list: no read of the locations first)."""
    rows = StockLevel.objects.filter(
        sku_id__in=sku_ids, location__store_id__in=store_ids
    ).values_list("location__store_id", "sku_id", "on_hand", "reserved")
    return {(store, sku): on_hand - reserved for store, sku, on_hand, reserved in rows}


@functools.lru_cache(maxsize=64)  # one per line count
def _skus_sql(count: int) -> str:
    ids = ", ".join(["%s"] * count)
    return f"{reads.select_joined(Sku, 'product')} WHERE {reads.table(Sku)}.public_id IN ({ids})"


def _skus_with_product(public_ids: list[str]) -> dict[str, Sku]:
    """SKUs with their product, in one plain statement: a cart add, a quote and a checkout
    each read them, and compiling the ORM's join cost more CPU than running it."""
    found = {}
    for row in reads.fetch(_skus_sql(len(public_ids)), public_ids) if public_ids else ():
        sku = reads.linked(row, Sku, "product")
        found[sku.public_id] = sku
    return found


def sku_by_public_id(public_id: str) -> Sku:
    sku = _skus_with_product([public_id]).get(public_id)
    if sku is None:
        raise NotFound(fields={"sku": "not found"})
    return sku


def skus_by_public_ids(public_ids: list[str]) -> dict[str, Sku]:
    """Several SKUs in one query (a checkout's lines); any unknown one is not found."""
    found = _skus_with_product(list(dict.fromkeys(public_ids)))
    if any(public_id not in found for public_id in public_ids):
        raise NotFound(fields={"sku": "not found"})
    return found


def in_stock_at(store, *, limit: int = 20) -> list[StockLevel]:
    """What a store's shelf holds for sale now (free stock above zero, approved goods):
    the store page's 有货商品, most plentiful first."""
    return list(
        StockLevel.objects.filter(
            location__store=store,
            location__is_active=True,
            on_hand__gt=F("reserved"),
            sku__is_active=True,
            sku__product__status="approved",
        )
        .select_related("sku__product")
        .annotate(free=F("on_hand") - F("reserved"))
        .order_by("-free", "sku__code")[:limit]
    )
