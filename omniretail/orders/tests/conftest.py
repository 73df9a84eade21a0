"""Orders fixtures: a stocked store, a wallet with money, and a shortcut to a paid order."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.inventory import services as inventory
from omniretail.orders import services
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent


@pytest.fixture(autouse=True)
def _events_inline(settings):
    settings.OMNI_EVENTS_DELIVERY = "inline"


@pytest.fixture
def stocked(store_location, sku, sku2, merchant_staff):
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=20)
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku2, quantity=5)
    return store_location


@pytest.fixture
def wallet(shopper):
    payments.top_up_wallet(user=shopper, amount="5000.00", idempotency_key="fixture-topup")
    return shopper


def next_slot(hours: int = 2):
    now = timezone.localtime()
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours)


@pytest.fixture
def place_order(stocked, store, shopper, sku, django_capture_on_commit_callbacks):
    """place_order(kind="pickup", provider="balance", lines=None) -> Order (pending payment)."""

    def place(kind="pickup", provider="balance", lines=None, **fulfilment):
        if kind == "pickup":
            fulfilment.setdefault("pickup_slot_start", next_slot())
        if kind == "delivery":
            fulfilment.setdefault(
                "delivery_address", {"name": "张三", "phone": "13800138000", "address": "延安路1号"}
            )
        return services.checkout(
            shopper=shopper,
            lines=lines or [(sku, 2)],
            fulfilment=services.resolve_fulfilment(kind=kind, store=store, **fulfilment),
            payment_provider=provider,
        )

    return place


@pytest.fixture
def pay(django_capture_on_commit_callbacks):
    """pay(order): pay from the shopper's wallet and deliver the events as after a commit."""

    def do(order):
        intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
        with django_capture_on_commit_callbacks(execute=True):
            payments.start_payment(intent=intent)
        order.refresh_from_db()
        return order

    return do
