"""The search's 销量 sort reads each product's units over 30 days, which the sales ranking's
job writes beside the ranking: the same count (paid, less returns), for every product."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.catalog import selectors
from omniretail.catalog.models import Product
from omniretail.merchandising import ranking
from omniretail.orders import aftersales
from omniretail.orders.models import Order

pytestmark = pytest.mark.django_db


def test_the_ranking_job_gives_search_each_products_thirty_day_units(place_order, pay, sku, sku2):
    pay(place_order(lines=[(sku, 3)]))
    returned = pay(place_order(lines=[(sku, 2)]))
    aftersales.take_back(
        order=returned, line=returned.lines.get(), quantity=2, reference="t-return"
    )  # 3 count
    place_order(lines=[(sku2, 9)])  # never paid
    old = pay(place_order(lines=[(sku2, 4)]))
    Order.objects.filter(pk=old.pk).update(paid_at=timezone.now() - timedelta(days=10))

    ranking.refresh()

    units = dict(Product.objects.values_list("pk", "sales_units"))
    assert (units[sku.product_id], units[sku2.product_id]) == (3, 4)
    Order.objects.filter(pk=old.pk).update(paid_at=timezone.now() - timedelta(days=40))
    ranking.refresh()
    assert Product.objects.get(pk=sku2.product_id).sales_units == 0


def test_the_sales_sort_follows_the_orders(place_order, pay, sku, sku2):
    pay(place_order(lines=[(sku2, 1)]))
    pay(place_order(lines=[(sku, 2)]))
    ranking.refresh()

    by_relevance = selectors.search_products("美妆")  # their category: both match
    by_sales = selectors.search_products("美妆", sort="sales")

    assert [p.pk for p in by_relevance] == [sku2.product_id, sku.product_id]  # newest first
    assert [p.pk for p in by_sales] == [sku.product_id, sku2.product_id]
