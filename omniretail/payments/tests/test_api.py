"""The /api/payments endpoints as clients see them: status codes, JSON errors, scoping."""

from decimal import Decimal

import pytest

from omniretail.payments import selectors, services
from omniretail.payments.models import CallbackLog, PaymentIntent
from omniretail.payments.tests.helpers import (
    charge_event,
    make_intent,
    outbox_names,
    signed_callback,
)

pytestmark = pytest.mark.django_db


def create(payer, **overrides) -> str:
    """An intent as a service opens one (there is no route for it): its public id."""
    return make_intent(payer, **{"provider": "balance", **overrides}).public_id


@pytest.mark.parametrize("purpose", ["order", "groupbuy", "deposit"])
def test_there_is_no_route_to_open_an_intent(api_client, shopper, purpose):
    resp = api_client(shopper).post(
        "/api/payments/intents",
        {"purpose": purpose, "reference": "o-1", "amount": "0.01", "provider": "balance"},
        headers={"Idempotency-Key": "k1"},
    )
    assert resp.status_code == 404
    assert not PaymentIntent.objects.exists()


def test_intent_is_visible_to_its_payer_and_payee_only(
    api_client, shopper, other_shopper, merchant, merchant_staff, other_merchant_staff
):
    intent_id = create(shopper, provider="cash", payee=merchant)
    url = f"/api/payments/intents/{intent_id}"
    assert api_client(shopper).get(url).status_code == 200
    assert api_client(merchant_staff).get(url).status_code == 200
    assert api_client(other_shopper).get(url).status_code == 404
    assert api_client(other_merchant_staff).get(url).status_code == 404
    assert api_client().get(url).status_code == 401


def test_balance_payment_with_insufficient_funds_is_a_clear_409(api_client, shopper):
    services.top_up_wallet(user=shopper, amount="5.00", idempotency_key="t")
    client = api_client(shopper)
    intent_id = create(shopper)
    resp = client.post(f"/api/payments/intents/{intent_id}/start")
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "insufficient_funds"
    assert client.get(f"/api/payments/intents/{intent_id}").json()["status"] == "requires_payment"
    assert client.get("/api/payments/wallet").json()["balance"] == "5.00"


def test_only_the_payer_starts_a_payment(api_client, shopper, other_shopper):
    intent_id = create(shopper)
    resp = api_client(other_shopper).post(f"/api/payments/intents/{intent_id}/start")
    assert resp.status_code == 404


def test_cash_recorded_by_another_merchants_staff_is_not_found(
    api_client, shopper, merchant, other_merchant, merchant_staff, other_merchant_staff
):
    intent_id = create(shopper, provider="cash", payee=merchant)
    url = f"/api/payments/intents/{intent_id}/cash"
    rival = api_client(other_merchant_staff)
    assert rival.post(url, {"organization_id": other_merchant.public_id}).status_code == 404
    assert rival.post(url, {"organization_id": merchant.public_id}).status_code == 404
    assert PaymentIntent.objects.get().status == "requires_payment"
    ok = api_client(merchant_staff).post(url, {"organization_id": merchant.public_id})
    assert ok.status_code == 200 and ok.json()["status"] == "succeeded"


def test_refunds_over_the_api(api_client, shopper, merchant, merchant_staff):
    services.top_up_wallet(user=shopper, amount="100.00", idempotency_key="t")
    client = api_client(shopper)
    intent_id = create(shopper, payee=merchant)
    client.post(f"/api/payments/intents/{intent_id}/start")
    url = f"/api/payments/intents/{intent_id}/refunds"
    staff = api_client(merchant_staff)

    assert client.post(url, {"amount": "1.00"}, headers={"Idempotency-Key": "a"}).status_code == (
        404
    )
    assert staff.post(url, {"amount": "1.00"}).status_code == 422  # no Idempotency-Key
    first = staff.post(url, {"amount": "9.90", "reason": "少件"}, headers={"Idempotency-Key": "r1"})
    replay = staff.post(
        url, {"amount": "9.90", "reason": "少件"}, headers={"Idempotency-Key": "r1"}
    )
    assert first.status_code == replay.status_code == 201
    assert first.json()["id"] == replay.json()["id"]
    over = staff.post(url, {"amount": "30.01"}, headers={"Idempotency-Key": "r2"})
    assert over.status_code == 422 and "amount" in over.json()["error"]["fields"]
    rest = staff.post(url, {"amount": "30.00"}, headers={"Idempotency-Key": "r3"})
    assert rest.status_code == 201, rest.json()
    intent = client.get(f"/api/payments/intents/{intent_id}").json()
    assert intent["status"] == "refunded" and intent["amount_refunded"] == "39.90"
    assert selectors.wallet_balance(shopper) == Decimal("100.00")
    assert [r["amount"] for r in client.get(url).json()] == ["9.90", "30.00"]


def test_forged_callback_gets_401_and_is_logged(api_client, shopper):
    intent = services.create_intent(
        purpose="deposit", reference="o", amount="10.00", payer=shopper, provider="sandbox_gateway"
    )
    services.start_payment(intent=intent)
    intent.refresh_from_db()
    body, headers = signed_callback(charge_event(intent), secret="not-the-secret")
    resp = api_client().post("/api/payments/callbacks/sandbox", body, headers=headers)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "callback_bad_signature"
    assert CallbackLog.objects.get().outcome == "bad_signature"
    intent.refresh_from_db()
    assert intent.status == "processing"
    assert outbox_names() == []


def test_genuine_callback_over_the_api_is_acknowledged(api_client, shopper):
    intent = services.create_intent(
        purpose="deposit", reference="o", amount="10.00", payer=shopper, provider="sandbox_gateway"
    )
    services.start_payment(intent=intent)
    intent.refresh_from_db()
    body, headers = signed_callback(charge_event(intent))
    resp = api_client().post("/api/payments/callbacks/sandbox", body, headers=headers)
    assert resp.status_code == 200 and resp.json() == {"received": True, "outcome": "applied"}
    resp = api_client().post("/api/payments/callbacks/sandbox", body, headers=headers)
    assert resp.json()["outcome"] == "duplicate"


def test_starting_a_gateway_payment_returns_the_gateway_page(api_client, shopper, settings):
    settings.OMNI_PUBLIC_BASE_URL = "http://shop.example"
    client = api_client(shopper)
    intent_id = create(shopper, provider="sandbox_gateway")
    resp = client.generic(
        "POST",
        f"/api/payments/intents/{intent_id}/start",
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    assert body["next_action"] == "redirect"
    assert body["redirect_url"].startswith("http://shop.example/sandbox-gateway/checkout/")
    assert body["intent"]["status"] == "processing"
    again = client.post(f"/api/payments/intents/{intent_id}/start", {"return_url": "/me/"})
    assert again.json()["redirect_url"] == body["redirect_url"]


def test_the_document_lists_what_a_payer_may_be_asked_to_do_next(client):
    """A generated client can switch over next_action: every provider's answer is one of them."""
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert set(schemas["StartOut"]["properties"]["next_action"]["enum"]) == {
        "none",
        "redirect",
        "show_qr",
        "jsapi",
        "pay_at_store",
        "present_card",
    }
