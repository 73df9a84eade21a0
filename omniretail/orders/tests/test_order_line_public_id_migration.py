"""Orders bought before order lines had public ids get one per line on upgrade, on SQLite and
PostgreSQL alike."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from omniretail.inventory import services as inventory
from omniretail.orders import services as orders
from omniretail.orders.models import OrderLine
from omniretail.orders.tests.conftest import next_slot

BEFORE = [("orders", "0005_delivery_riders")]
AFTER = [("orders", "0007_order_line_public_id_unique")]


@pytest.mark.django_db(transaction=True)
def test_lines_bought_before_the_upgrade_each_get_an_id_of_their_own(
    shopper, store, store_location, sku, sku2, merchant_staff
):
    for item in (sku, sku2):
        inventory.receive_stock(actor=merchant_staff, location=store_location, sku=item, quantity=5)
    order = orders.checkout(
        shopper=shopper,
        lines=[(sku, 1), (sku2, 2)],
        fulfilment=orders.resolve_fulfilment(
            kind="pickup", store=store, pickup_slot_start=next_slot()
        ),
        payment_provider="balance",
    )
    keys = sorted(order.lines.values_list("pk", flat=True))

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        executor.loader.build_graph()
        executor.migrate(AFTER)

        ids = dict(OrderLine.objects.values_list("pk", "public_id"))
        assert sorted(ids) == keys
        assert len(set(ids.values())) == 2 and all(len(i) == 26 for i in ids.values())
    finally:  # the rest of the suite (and servers it starts) expects every migration applied
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
