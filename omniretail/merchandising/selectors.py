"""Reads of merchandising for the pages: running specials, the ranking, brand halls and the
優品匯 featured zone."""

from django.utils import timezone

from omniretail.accounts.models import Organization
from omniretail.catalog import selectors as catalog
from omniretail.catalog.models import Category, Product
from omniretail.merchandising import specials
from omniretail.merchandising.models import SalesRank, Special


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


def ranking(*, days: int, category=None, region=None) -> list[SalesRank]:
    """The last computed 销售排行 for the period, category and region (None: all), with
    their public products; a product taken off sale since drops out."""
    return list(
        SalesRank.objects.filter(
            days=days,
            category=category,
            region=region,
            product__status=Product.Status.APPROVED,
        ).select_related("product")
    )


def ranking_regions() -> list[Organization]:
    return list(Organization.objects.filter(kind=Organization.Kind.REGION, is_active=True))


def ranked_categories() -> list[Category]:
    """Categories with a ranking, for the page's filter."""
    ids = SalesRank.objects.exclude(category=None).values("category")
    return list(Category.objects.filter(pk__in=ids, is_active=True).order_by("position", "id"))
