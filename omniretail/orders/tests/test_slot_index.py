"""Checkout counts the orders already booked into the chosen pickup slot or delivery window
(orders.slots._taken). Without an index on the slot, the count read every order the store
ever had: a store with a year of orders paid for all of them on every checkout."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.orders import slots
from omniretail.orders.tests.conftest import next_slot


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: force what can
            cursor.execute(f"EXPLAIN {sql}")
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "index"),
    [(slots.PICKUP, "order_pickup_slot"), (slots.DELIVERY, "order_delivery_slot")],
)
def test_the_slot_count_reads_only_the_slot_s_orders_through_an_index(
    place_order, store, kind, index
):
    place_order()  # a booked slot, so the count has a row to find
    start = next_slot()
    with CaptureQueriesContext(connection) as ran:
        slots._taken(store, [start], kind)  # the quote's counts of the slots it offers
        assert slots.taken_at(store, start, kind) == (kind == slots.PICKUP)  # checkout's
    for query in ran.captured_queries:  # each statement as run, its values in place
        plan = _plan(query["sql"])
        assert index in plan, plan
