"""销售排行 equals a hand count over the orders: paid orders only, an order refunded in full
counts nothing, returned units come off, per category and region, for 7 and 30 days."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.accounts import services as accounts
from omniretail.accounts.models import Organization
from omniretail.core.scheduler import periodic_jobs
from omniretail.inventory import services as inventory
from omniretail.merchandising import ranking
from omniretail.merchandising.models import SalesRank
from omniretail.orders import aftersales
from omniretail.orders import services as orders
from omniretail.orders.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture
def ningbo(other_merchant, foreign_store, other_merchant_staff, sku2):
    """The other merchant trades in another region, its store stocked with sku2."""
    region = accounts.create_organization(kind="region", name="宁波运营中心", code="nb")
    Organization.objects.filter(pk=other_merchant.pk).update(region=region)
    inventory.receive_stock(
        actor=other_merchant_staff,
        location=inventory.location_for_store(foreign_store),
        sku=sku2,
        quantity=10,
    )
    return region


def rows(days, category, region):
    return [
        (r.product_id, r.units, r.amount)
        for r in SalesRank.objects.filter(days=days, category=category, region=region)
    ]


def test_the_ranking_is_the_hand_count_of_paid_orders_less_refunds(
    place_order, pay, sku, sku2, region, ningbo, foreign_store
):
    pay(place_order(lines=[(sku, 3)]))  # counts: 3 × 39.90
    refunded = pay(place_order(lines=[(sku2, 1)]))
    orders.record_refund(order_id=refunded.public_id, amount=refunded.total)  # counts nothing
    returned = pay(place_order(lines=[(sku, 2)]))
    line = returned.lines.get()
    aftersales.take_back(order=returned, line=line, quantity=1, reference="t-return")  # 1 counts
    place_order(lines=[(sku2, 2)])  # never paid: counts nothing
    older = pay(place_order(lines=[(sku2, 1)]))
    Order.objects.filter(pk=older.pk).update(paid_at=timezone.now() - timedelta(days=10))
    pay(place_order(lines=[(sku2, 5)], at=foreign_store))  # Ningbo

    assert Order.objects.get(pk=refunded.pk).status == Order.Status.REFUNDED
    assert ranking.refresh() > 0
    beauty = sku.product.category
    mask, tea = sku.product_id, sku2.product_id
    assert rows(7, beauty, region) == [(mask, 4, Decimal("159.60"))]
    assert rows(7, beauty, ningbo) == [(tea, 5, Decimal("1990.00"))]
    assert rows(7, beauty, None) == [(tea, 5, Decimal("1990.00")), (mask, 4, Decimal("159.60"))]
    assert rows(7, None, None) == rows(7, beauty, None)
    assert rows(30, beauty, region) == [(mask, 4, Decimal("159.60")), (tea, 1, Decimal("398.00"))]
    assert rows(30, None, None) == [(tea, 6, Decimal("2388.00")), (mask, 4, Decimal("159.60"))]
    assert [r.rank for r in SalesRank.objects.filter(days=30, category=None, region=None)] == [1, 2]


def test_a_refresh_replaces_the_previous_ranking(place_order, pay, sku):
    pay(place_order(lines=[(sku, 1)]))
    ranking.refresh()
    ranking.refresh()
    assert rows(7, None, None) == [(sku.product_id, 1, Decimal("39.90"))]


def test_the_ranking_is_a_scheduled_job():
    job = periodic_jobs()["omniretail.merchandising.ranking.refresh"]
    assert job.seconds == 600


def test_goods_handed_out_for_points_alone_are_not_sales(store, stocked, shopper, sku):
    from omniretail.orders import prepaid

    prepaid.place_points_pickup(shopper=shopper, store=store, sku=sku, quantity=2, note="积分兑换")
    ranking.refresh()
    assert rows(7, None, None) == []
