"""附近有货 for the catalogue's search: the products that a store near a point has in stock
now. Registered with `catalog.availability` at app ready (the catalogue sits below stock and
stores in the layers); the stores are found by the stores' own nearby search."""

from django.db.models import F, QuerySet

from omniretail.inventory.models import StockLevel
from omniretail.stores.selectors import MAX_LIMIT, nearby_stores


def products_in_stock_near(*, lat, lon, radius_m: int) -> QuerySet:
    """Ids of products with an active SKU that one of the `MAX_LIMIT` nearest active stores
    within `radius_m` has on hand beyond what is reserved, as a subquery."""
    stores = [
        n.store.pk for n in nearby_stores(lat=lat, lon=lon, radius_m=radius_m, limit=MAX_LIMIT)
    ]
    return StockLevel.objects.filter(
        location__store_id__in=stores, on_hand__gt=F("reserved"), sku__is_active=True
    ).values("sku__product_id")
