"""Two presses of 结账 for the same sale at once (a double click on a slow till): one sale,
one order, one payment; the other press gets the same sale back and its own order, stock
reservation and payment roll back."""

import pytest

from omniretail.inventory.models import StockLevel
from omniretail.inventory.services import location_for_store, receive_stock
from omniretail.orders.models import Order
from omniretail.payments.models import PaymentIntent
from omniretail.till import services
from omniretail.till.models import TillSale

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_presses_with_one_key_sell_once(store, sku, merchant_staff, race):
    location = location_for_store(store)
    receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=10)

    def press(_i):
        return services.ring_up(
            staff=merchant_staff, store=store, lines=[(sku, 2)], key="k" * 32
        ).pk

    outcomes = race(4, press)
    assert all(isinstance(pk, int) for pk in outcomes), outcomes
    assert len(set(outcomes)) == 1
    assert TillSale.objects.count() == Order.objects.count() == 1
    assert PaymentIntent.objects.count() == 1
    assert StockLevel.objects.get(location=location, sku=sku).on_hand == 8
