"""A counter unlocks only for a vend whose order its own intent paid in full: a penny
intent for the vend's order is refunded and no signed unlock is ever issued."""

from decimal import Decimal

import pytest

from omniretail.counters.models import Command, Vend
from omniretail.counters.tests.test_vending import started
from omniretail.orders.models import Order
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_penny_intent_for_a_vends_order_unlocks_nothing(counter_setup, api_client):
    setup = counter_setup
    started(setup)
    client = api_client(setup.member)
    resp = client.post(
        f"/api/counters/{setup.counter.code}/purchases",
        {"bay": "2", "quantity": 1, "provider": "sandbox_gateway"},
        headers={"Idempotency-Key": "vend"},
    )
    assert resp.status_code == 201, resp.json()
    vend = Vend.objects.get(public_id=resp.json()["id"])
    order = Order.objects.get(pk=vend.order_id)
    assert order.total == setup.sku2.price

    forged = client.post(
        "/api/payments/intents",
        {"purpose": "order", "reference": order.public_id, "amount": "0.01", "provider": "balance"},
    )
    assert forged.status_code == 404
    rogue = payments.create_intent(
        purpose="order",
        reference=order.public_id,
        amount="0.01",
        payer=setup.member,
        provider="balance",
    )
    assert client.post(f"/api/payments/intents/{rogue.public_id}/start").status_code == 200

    assert PaymentIntent.objects.get(pk=rogue.pk).status == "refunded"
    assert Order.objects.get(pk=order.pk).status == "pending_payment"
    assert Vend.objects.get(pk=vend.pk).status == Vend.Status.AWAITING_PAYMENT
    assert not Command.objects.filter(kind=Command.Kind.UNLOCK).exists()
    assert wallet_balance(setup.member) == Decimal("2000.00")
