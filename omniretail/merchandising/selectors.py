"""Reads of merchandising for the pages: running specials, the ranking, brand halls and the
優品匯 featured zone."""

from django.utils import timezone

from omniretail.catalog import selectors as catalog
from omniretail.catalog.models import Product
from omniretail.merchandising import specials
from omniretail.merchandising.models import Special


def running_specials(*, now=None) -> dict[int, Special]:
    """Product id -> its cheapest special running at `now` (a sold-out cap has ended it)."""
    by_product: dict[int, Special] = {}
    for special in specials.running(now=now or timezone.now()):
        by_product.setdefault(special.sku.product_id, special)
    return by_product


def special_products(*, limit: int, now=None) -> list[Product]:
    """Public products with a running special, the soonest to end first."""
    running = running_specials(now=now)
    products = catalog.public_products().filter(pk__in=running)
    return sorted(products, key=lambda p: (running[p.pk].ends_at, p.pk))[:limit]
