"""An order whose payment may still succeed keeps its stock: the gateway is asked before the
order is cancelled, and rows the expiry cannot cancel never stop it from cancelling others."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict
from omniretail.inventory import services as inventory
from omniretail.inventory.models import Reservation, StockLevel
from omniretail.orders import services
from omniretail.orders.models import Order
from omniretail.orders.tests.conftest import next_slot
from omniretail.payments import reconcile
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.payments.sandbox_gateway import gateway
from omniretail.payments.sandbox_gateway.models import SandboxCharge

DEAD_URL = "http://127.0.0.1:9"  # nothing listens there


def sweep(now) -> None:
    """The worker's payment and stock sweeps, in its order, at `now`."""
    reconcile.reconcile_intents(now=now)
    payments.expire_intents(now=now)
    services.expire_unpaid_orders(now=now)
    inventory.release_expired_reservations(now=now)


def started_at_gateway(order: Order) -> PaymentIntent:
    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    payments.start_payment(intent=intent)
    intent.refresh_from_db()
    return intent


def stock(location, sku) -> tuple[int, int]:
    level = StockLevel.objects.get(location=location, sku=sku)
    return level.on_hand, level.reserved


@pytest.fixture
def live(live, settings):
    settings.OMNI_SANDBOX_DELIVERY_ATTEMPTS = 1
    yield live
    gateway.wait_for_deliveries(timeout=15)


@pytest.fixture
def lost_callback_order(live, settings, place_order, sku):
    """A pickup order of 2 × sku started at the gateway while the platform could not be
    reached: every callback for it is lost."""
    settings.OMNI_PUBLIC_BASE_URL = DEAD_URL
    order = place_order(provider="sandbox_gateway")
    intent = started_at_gateway(order)
    settings.OMNI_PUBLIC_BASE_URL = live.url
    return order, intent


def past_reservation(order: Order):
    reservation = Reservation.objects.filter(reference=order.public_id).first()
    return reservation.expires_at + timedelta(minutes=1)


def test_an_order_paid_at_the_gateway_keeps_its_stock_past_the_ttl_until_the_query_answers(
    lost_callback_order, settings, live, stocked, sku
):
    order, intent = lost_callback_order
    gateway.pay(charge_id=intent.provider_reference)
    when = past_reservation(order)

    settings.OMNI_PUBLIC_BASE_URL = DEAD_URL  # the gateway cannot be asked yet
    sweep(when)
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert stock(stocked, sku) == (20, 2)

    settings.OMNI_PUBLIC_BASE_URL = live.url
    sweep(when + timedelta(seconds=40))
    sweep(when + timedelta(minutes=30))

    order.refresh_from_db()
    assert order.status == "paid"
    assert stock(stocked, sku) == (18, 0)
    assert PaymentIntent.objects.get(pk=intent.pk).status == "succeeded"


def test_an_order_unpaid_at_the_gateway_is_cancelled_only_once_the_query_says_so(
    lost_callback_order, settings, live, stocked, sku
):
    order, intent = lost_callback_order
    when = past_reservation(order)

    settings.OMNI_PUBLIC_BASE_URL = DEAD_URL
    sweep(when)
    order.refresh_from_db()
    assert order.status == "pending_payment"
    assert stock(stocked, sku) == (20, 2)
    assert gateway.get_charge(intent.provider_reference).status == "pending"

    settings.OMNI_PUBLIC_BASE_URL = live.url
    sweep(when + timedelta(seconds=40))

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert stock(stocked, sku) == (20, 0)
    assert gateway.get_charge(intent.provider_reference).status == "cancelled"
    with pytest.raises(Conflict):
        gateway.pay(charge_id=intent.provider_reference)


def test_an_order_whose_payer_declined_at_the_gateway_expires(
    lost_callback_order, live, stocked, sku
):
    order, intent = lost_callback_order
    gateway.decline(charge_id=intent.provider_reference)

    sweep(order.expires_at + timedelta(seconds=1))

    order.refresh_from_db()
    assert order.status == "cancelled"
    assert stock(stocked, sku) == (20, 0)
    assert PaymentIntent.objects.get(pk=intent.pk).status == "failed"


def test_stuck_orders_never_stop_the_expiry_of_the_others(
    settings, stocked, store, sku, merchant_staff
):
    """250 orders paid at the gateway whose callbacks were lost cannot be cancelled; an
    unpaid order placed before them and one placed after them both still expire."""
    settings.OMNI_PUBLIC_BASE_URL = DEAD_URL
    settings.OMNI_PICKUP_SLOT_CAPACITY = 300  # all in one pickup slot
    inventory.receive_stock(actor=merchant_staff, location=stocked, sku=sku, quantity=300)

    def place(i: int, provider: str) -> Order:
        shopper = User.objects.create(username=f"stuck{i}", phone=f"1370001{i:04d}")
        return services.checkout(
            shopper=shopper,
            lines=[(sku, 1)],
            fulfilment=services.resolve_fulfilment(
                kind="pickup", store=store, pickup_slot_start=next_slot()
            ),
            payment_provider=provider,
        )

    first = place(0, "balance")
    for i in range(1, 251):
        started_at_gateway(place(i, "sandbox_gateway"))
    SandboxCharge.objects.update(status=SandboxCharge.Status.PAID, paid_at=timezone.now())
    last = place(251, "balance")

    services.expire_unpaid_orders(now=last.expires_at + timedelta(seconds=1))

    assert Order.objects.get(pk=first.pk).status == "cancelled"
    assert Order.objects.get(pk=last.pk).status == "cancelled"
    assert Order.objects.filter(status="pending_payment").count() == 250
    assert stock(stocked, sku) == (320, 250)
