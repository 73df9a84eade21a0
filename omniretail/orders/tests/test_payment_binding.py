"""A payment pays only what it was opened for: nobody can open an intent of their own
choosing for an order, and the success handler refuses (and refunds in full) any intent
that is not the order's own, for its exact total and payer, so the order stays unpaid."""

from decimal import Decimal

import pytest

from omniretail.core.models import OutboxEvent
from omniretail.loyalty.models import OrderAward
from omniretail.orders.models import Order
from omniretail.orders.tests.test_api import checkout
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent, Refund
from omniretail.payments.selectors import wallet_balance
from omniretail.payments.tests.test_sandbox_gateway import Browser, wait_until

PENNY = {"purpose": "order", "amount": "0.01", "provider": "sandbox_gateway"}


def status_of(intent) -> str:
    return PaymentIntent.objects.values_list("status", flat=True).get(pk=intent.pk)


def paid_events() -> list[str]:
    return [
        name.rsplit(".", 1)[-1]
        for name in OutboxEvent.objects.values_list("name", flat=True)
        if name.endswith(("OrderPaid", "PaymentRefunded"))
    ]


@pytest.mark.django_db
def test_a_shopper_cannot_open_an_intent_for_an_order_over_the_api(
    api_client, shopper, stocked, store, sku2
):
    client = api_client(shopper)
    order = checkout(client, store, [(sku2, 1)], payment_provider="sandbox_gateway")
    resp = client.post(
        "/api/payments/intents",
        {**PENNY, "reference": order["id"]},
        headers={"Idempotency-Key": "penny"},
    )
    assert resp.status_code == 404
    assert PaymentIntent.objects.count() == 1
    assert Order.objects.get().status == "pending_payment"


def test_a_penny_intent_paid_at_the_gateway_leaves_the_order_unpaid_and_is_refunded(
    live, api_client, shopper, stocked, store, sku, sku2
):
    client = api_client(shopper)
    order = checkout(client, store, [(sku, 1), (sku2, 1)], payment_provider="sandbox_gateway")
    assert order["total"] == "437.90"
    # An intent for the order that its checkout did not open (the repro's, which the API
    # no longer creates): paid at the gateway, it must pay for nothing.
    rogue = payments.create_intent(reference=order["id"], payer=shopper, **PENNY)
    started = client.post(
        f"/api/payments/intents/{rogue.public_id}/start", {"return_url": "/me/orders/"}
    )
    assert started.status_code == 200, started.content
    browser = Browser()
    assert "支付成功" in browser.press(browser.get(started.json()["redirect_url"]), "pay")

    assert wait_until(lambda: status_of(rogue) == "refunded")
    refund = Refund.objects.get(intent=rogue)
    assert (refund.amount, refund.status) == (Decimal("0.01"), "succeeded")
    placed = Order.objects.get(public_id=order["id"])
    assert placed.status == "pending_payment" and placed.amount_refunded == 0
    assert not OrderAward.objects.exists()
    assert paid_events() == ["PaymentRefunded"]

    # The order's own intent still pays it, through the same gateway.
    own = client.post(f"/api/orders/orders/{order['id']}/pay", {"return_url": "/me/orders/"})
    browser.press(browser.get(own.json()["redirect_url"]), "pay")
    assert wait_until(lambda: Order.objects.get(public_id=order["id"]).status == "paid")
    assert wait_until(lambda: OrderAward.objects.filter(total=Decimal("437.90")).exists())


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["amount", "payer"])
def test_the_orders_own_intent_changed_after_checkout_pays_nothing_and_is_refunded(
    api_client, shopper, stocked, store, sku, django_capture_on_commit_callbacks, field
):
    payments.top_up_wallet(user=shopper, amount="100.00", idempotency_key="top-up")
    client = api_client(shopper)
    order = checkout(client, store, [(sku, 2)])
    intent = PaymentIntent.objects.get()
    if field == "amount":
        PaymentIntent.objects.filter(pk=intent.pk).update(amount=Decimal("0.01"))
    else:
        stranger = type(shopper).objects.create(username="m13700000003", phone="13700000003")
        payments.top_up_wallet(user=stranger, amount="100.00", idempotency_key="stranger")
        PaymentIntent.objects.filter(pk=intent.pk).update(payer=stranger)

    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/api/orders/orders/{order['id']}/pay", {})

    assert resp.status_code == 200, resp.content
    assert status_of(intent) == "refunded"
    assert Refund.objects.get(intent=intent).idempotency_key == f"refused:{intent.public_id}"
    placed = Order.objects.get()
    assert placed.status == "pending_payment" and placed.amount_refunded == 0
    assert not OrderAward.objects.exists() and "OrderPaid" not in paid_events()
    assert wallet_balance(shopper) == Decimal("100.00")


@pytest.mark.django_db
def test_a_penny_wallet_intent_for_an_order_pays_nothing_and_goes_back_to_the_wallet(
    api_client, shopper, stocked, store, sku, django_capture_on_commit_callbacks
):
    order = checkout(api_client(shopper), store, [(sku, 1)], payment_provider="sandbox_gateway")
    payments.top_up_wallet(user=shopper, amount="1.00", idempotency_key="top-up")
    rogue = payments.create_intent(
        purpose="order", reference=order["id"], amount="0.01", payer=shopper, provider="balance"
    )
    with django_capture_on_commit_callbacks(execute=True):
        resp = api_client(shopper).post(f"/api/payments/intents/{rogue.public_id}/start")
    assert resp.status_code == 200, resp.content
    assert status_of(rogue) == "refunded"
    assert Order.objects.get().status == "pending_payment"
    assert wallet_balance(shopper) == Decimal("1.00")


@pytest.mark.django_db
@pytest.mark.parametrize("return_url", ["javascript:alert(1)", "https://evil.example/", "//evil"])
def test_paying_an_order_with_a_way_back_off_the_site_is_refused(
    api_client, shopper, stocked, store, sku, return_url
):
    client = api_client(shopper)
    order = checkout(client, store, [(sku, 1)], payment_provider="sandbox_gateway")
    resp = client.post(f"/api/orders/orders/{order['id']}/pay", {"return_url": return_url})
    assert resp.status_code == 422
    assert "return_url" in resp.json()["error"]["fields"]
    assert PaymentIntent.objects.get().status == "requires_payment"
