"""有货 nearby: which products a store near the shopper has in stock. Stock (inventory) and
stores sit above the catalogue in the layers, so inventory registers the lookup here at app
ready (`inventory.apps`) and the search filters by it; the catalogue never imports them.

A lookup is `lookup(*, lat, lon, radius_m) -> QuerySet` of product ids (a subquery, so the
filter stays one query whatever the number of products). A registry rather than an event:
the answer is needed synchronously, within the search's query."""

from django.db.models import QuerySet

_lookup = None


def register(lookup) -> None:
    global _lookup
    _lookup = lookup


def in_stock_near(*, lat, lon, radius_m: int) -> QuerySet:
    if _lookup is None:
        raise RuntimeError("no stock lookup registered (inventory.apps registers it)")
    return _lookup(lat=lat, lon=lon, radius_m=radius_m)
