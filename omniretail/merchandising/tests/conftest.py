"""Merchandising fixtures: a stocked store, a wallet, and shortcuts to place and pay orders."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.inventory import services as inventory
from omniretail.orders import services as orders
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent


@pytest.fixture(autouse=True)
def _events_inline(settings):
    settings.OMNI_EVENTS_DELIVERY = "inline"


@pytest.fixture
def stocked(store_location, sku, sku2, merchant_staff):
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=50)
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku2, quantity=50)
    return store_location


@pytest.fixture
def place_order(stocked, store, shopper, sku):
    """place_order(lines=None, who=None, at=None) -> a pickup order awaiting payment (at
    `store` unless `at` names another stocked store)."""

    def place(lines=None, who=None, at=None):
        slot = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
        return orders.checkout(
            shopper=who or shopper,
            lines=lines or [(sku, 1)],
            fulfilment=orders.resolve_fulfilment(
                kind="pickup", store=at or store, pickup_slot_start=slot
            ),
            payment_provider="balance",
        )

    return place


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    def do(order):
        payments.top_up_wallet(
            user=order.shopper, amount=str(order.total), idempotency_key=f"t-{order.public_id}"
        )
        intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
        with django_capture_on_commit_callbacks(execute=True):
            payments.start_payment(intent=intent)
        order.refresh_from_db()
        return order

    return do
