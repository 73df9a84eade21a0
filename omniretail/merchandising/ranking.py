"""销售排行: per category with its subcategories (and over every category), per region (and
over every region), for the last 7 and 30 days. Counted from orders paid in the period: an
order refunded in full counts nothing, a line counts its units less those returned, at the
price paid; goods handed out for points alone (the points mall) are not sales. Rewritten
by a scheduled job (tasks.py), so a page read is one indexed query. The same job gives the
search its 销量 figures: each product's units over the 30 days."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from omniretail.catalog import discovery
from omniretail.catalog.models import Category
from omniretail.core.money import money
from omniretail.merchandising.models import SalesRank
from omniretail.orders import free, prepaid
from omniretail.orders.models import Order, OrderLine

PERIODS = (7, 30)
TOP = 50
S = Order.Status


def _net_sales(*, since, until):
    """(product, category, region) -> [units, amount] over orders paid in [since, until)."""
    net = F("quantity") - F("quantity_returned")
    rows = (
        OrderLine.objects.filter(order__paid_at__gte=since, order__paid_at__lt=until)
        .exclude(order__status__in=[S.CANCELLED, S.REFUNDED])
        # handed out for points alone, or given away as samples
        .exclude(order__payment_provider__in=[prepaid.PROVIDER, free.SAMPLE])
        .values(
            product=F("sku__product_id"),
            category=F("sku__product__category_id"),
            region=F("order__merchant__region_id"),
        )
        .annotate(units=Sum(net), amount=Sum(net * F("unit_price")))
    )
    return [r for r in rows if r["units"] > 0]


def _lineage(category: int | None, parents: dict) -> list[int]:
    """The category and its ancestors: a product ranks in 面部护理 and in 美妆个护."""
    chain: list[int] = []
    while category is not None and category not in chain:
        chain.append(category)
        category = parents.get(category)
    return chain


def compute(*, days: int, now=None) -> dict[tuple, list[tuple[int, int, Decimal]]]:
    """(category id or None, region id or None) -> [(product id, units, amount)], best first;
    a category counts the products of its subcategories."""
    now = now or timezone.now()
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    groups: dict[tuple, dict[int, list]] = defaultdict(lambda: defaultdict(lambda: [0, Decimal(0)]))
    for row in _net_sales(since=now - timedelta(days=days), until=now):
        region = row["region"]
        for category in [*_lineage(row["category"], parents), None]:
            for key in {(category, region), (category, None)}:
                totals = groups[key][row["product"]]
                totals[0] += row["units"]
                totals[1] += row["amount"]
    return {
        key: sorted(
            ((product, units, money(amount)) for product, (units, amount) in products.items()),
            key=lambda item: (-item[1], -item[2], item[0]),
        )[:TOP]
        for key, products in groups.items()
    }


@transaction.atomic
def refresh(*, now=None) -> int:
    """Rewrite every ranking from the orders; returns the rows written."""
    now = now or timezone.now()
    rows = [
        SalesRank(
            days=days,
            category_id=category,
            region_id=region,
            product_id=product,
            rank=rank,
            units=units,
            amount=amount,
            computed_at=now,
        )
        for days in PERIODS
        for (category, region), ranked in compute(days=days, now=now).items()
        for rank, (product, units, amount) in enumerate(ranked, start=1)
    ]
    SalesRank.objects.all().delete()
    SalesRank.objects.bulk_create(rows)
    discovery.set_sales_units(product_units(days=max(PERIODS), now=now))
    return len(rows)


def product_units(*, days: int, now=None) -> dict[int, int]:
    """Every product's net units over the period, as the ranking counts them (not only the
    top): the search's 销量 sort (catalog.discovery.set_sales_units)."""
    now = now or timezone.now()
    units: dict[int, int] = defaultdict(int)
    for row in _net_sales(since=now - timedelta(days=days), until=now):
        units[row["product"]] += row["units"]
    return dict(units)
