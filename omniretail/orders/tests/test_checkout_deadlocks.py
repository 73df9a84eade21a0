"""Thirty-two shoppers check out and pay overlapping carts at once, each listing the goods
in its own order, on PostgreSQL (issue 22): stock rows are locked in SKU key order when
reserving, committing and releasing, so no one meets a deadlock; nobody is sold what is not
there, and the stock adds up afterwards."""

import pytest
from django.db import OperationalError

from omniretail.accounts.models import User
from omniretail.inventory import services as inventory
from omniretail.inventory.models import StockLevel
from omniretail.inventory.services import OutOfStock
from omniretail.orders import services
from omniretail.orders.models import Order, OrderLine
from omniretail.orders.tests.conftest import next_slot
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SHOPPERS = 32
IN_STOCK = 20  # of each SKU: fewer than the shoppers who want it


def test_32_shoppers_on_overlapping_carts_never_deadlock_nor_oversell(
    store, store_location, merchant_staff, approved_product, race
):
    skus = [approved_product(f"龙井{n}号", "30.00") for n in range(4)]
    for sku in skus:
        inventory.receive_stock(
            actor=merchant_staff, location=store_location, sku=sku, quantity=IN_STOCK
        )
    shoppers = [
        User.objects.create(username=f"dl{i}", phone=f"1371000{i:04d}") for i in range(SHOPPERS)
    ]
    for i, shopper in enumerate(shoppers):
        payments.top_up_wallet(user=shopper, amount="500.00", idempotency_key=f"dl-{i}")

    def cart_of(i):
        """Three of the four SKUs, starting at a different one, half of them backwards."""
        picked = [skus[(i + k) % 4] for k in range(3)]
        return picked[::-1] if i % 2 else picked

    def buy(i):
        order = services.checkout(
            shopper=shoppers[i],
            lines=[(sku, 1) for sku in cart_of(i)],
            fulfilment=services.resolve_fulfilment(
                kind="pickup", store=store, pickup_slot_start=next_slot()
            ),
            payment_provider="balance",
        )
        payments.start_payment(intent=PaymentIntent.objects.get(public_id=order.payment_intent_id))
        return "paid"

    outcomes = race(SHOPPERS, buy)

    deadlocks = [o for o in outcomes if isinstance(o, OperationalError)]
    assert not deadlocks, deadlocks
    assert all(o == "paid" or isinstance(o, OutOfStock) for o in outcomes), outcomes
    paid = Order.objects.filter(status=Order.Status.PAID)
    assert paid.count() == outcomes.count("paid") > 0
    assert not Order.objects.exclude(status=Order.Status.PAID).exists()  # refusals left none
    for sku in skus:
        sold = sum(line.quantity for line in OrderLine.objects.filter(order__in=paid, sku=sku))
        level = StockLevel.objects.get(location=store_location, sku=sku)
        assert sold <= IN_STOCK
        assert (level.on_hand, level.reserved) == (IN_STOCK - sold, 0)
