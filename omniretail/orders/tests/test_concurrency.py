"""Fifty shoppers check out the same SKU with twenty in stock, at the same moment."""

import pytest

from omniretail.accounts.models import User
from omniretail.inventory import services as inventory
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.inventory.services import OutOfStock
from omniretail.orders import services
from omniretail.orders.models import Order
from omniretail.orders.tests.conftest import next_slot

BUYERS = 50
IN_STOCK = 20


def _race(race, store, sku):
    shoppers = [
        User.objects.create(username=f"race{i}", phone=f"1370000{i:04d}") for i in range(BUYERS)
    ]

    def buy(i):
        services.checkout(
            shopper=shoppers[i],
            lines=[(sku, 1)],
            fulfilment=services.resolve_fulfilment(
                kind="pickup", store=store, pickup_slot_start=next_slot()
            ),
            payment_provider="balance",
        )
        return "sold"

    # anything but a sale or a clean out-of-stock refusal would reach a shopper as a 500
    return [
        "out_of_stock" if isinstance(o, OutOfStock) else o if o == "sold" else f"error: {o!r}"
        for o in race(BUYERS, buy)
    ]


def _assert_exactly_twenty_sold(outcomes, store_location, sku):
    assert sorted(set(outcomes)) == ["out_of_stock", "sold"], outcomes
    assert outcomes.count("sold") == IN_STOCK
    level = StockLevel.objects.get(location=store_location, sku=sku)
    assert (level.on_hand, level.reserved) == (IN_STOCK, IN_STOCK)
    assert Order.objects.count() == IN_STOCK
    reserved_orders = set(Reservation.objects.values_list("reference", flat=True))
    assert reserved_orders == set(Order.objects.values_list("public_id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_checkouts_sell_exactly_the_twenty_in_stock(
    store, store_location, sku, merchant_staff, race
):
    inventory.receive_stock(
        actor=merchant_staff, location=store_location, sku=sku, quantity=IN_STOCK
    )
    outcomes = _race(race, store, sku)
    _assert_exactly_twenty_sold(outcomes, store_location, sku)
