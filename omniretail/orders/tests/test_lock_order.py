"""Stock rows are locked in one order everywhere: reserving (checkout), committing
(payment) and releasing (cancellation) all update a multi-line order's stock rows in SKU
key order, so a payment and a checkout of the same goods never deadlock on PostgreSQL."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.orders import services

pytestmark = pytest.mark.django_db

# the ORM's statements quote their names, the plain SQL of PostgreSQL's hot paths does not
STOCK_UPDATE = re.compile(r'UPDATE "?inventory_stocklevel"?.*?"?sku_id"? = (\d+)', re.S)


def stock_rows_updated(queries) -> list[int]:
    return [int(m.group(1)) for q in queries if (m := STOCK_UPDATE.search(q["sql"]))]


@pytest.fixture
def reversed_cart(place_order, sku, sku2):
    """A two-line order whose cart lists the SKU with the higher key first."""
    high, low = sorted([sku, sku2], key=lambda s: s.pk, reverse=True)
    return place_order(lines=[(high, 1), (low, 1)])


def test_payment_commits_stock_rows_in_sku_key_order(reversed_cart, pay, wallet):
    with CaptureQueriesContext(connection) as ctx:
        pay(reversed_cart)

    assert reversed_cart.status == "paid"
    updated = stock_rows_updated(ctx.captured_queries)
    assert len(updated) == 2 and updated == sorted(updated)


def test_cancellation_releases_stock_rows_in_sku_key_order(reversed_cart):
    with CaptureQueriesContext(connection) as ctx:
        services.cancel_order(order=reversed_cart, reason="顾客取消")

    updated = stock_rows_updated(ctx.captured_queries)
    assert len(updated) == 2 and updated == sorted(updated)
