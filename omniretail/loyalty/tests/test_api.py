"""/api/loyalty as a client sees it: wallets, the quote, a conversion that needs a step-up
and a key, bad input answered 4xx with a code, and managers only for the console."""

import base64

import pytest

from omniretail.loyalty import exchange, services
from omniretail.testing.faces import PORTRAIT, someone_else

pytestmark = pytest.mark.django_db


@pytest.fixture
def holder(shopper, merchant):
    services.award_points(
        user=shopper,
        asset_code=services.merchant_asset_code(merchant),
        points=100,
        reason="门店",
        idempotency_key="o",
    )
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=1000)
    return shopper


def test_a_member_sees_wallets_and_converts_with_a_step_up(api_client, holder, merchant):
    client = api_client(holder)
    assert client.get("/api/loyalty/me/wallets").json()[0]["balance"] == 100
    quote = client.get(
        f"/api/loyalty/merchants/{merchant.public_id}/exchange/quote?offline_points=95"
    ).json()
    assert (quote["platform_points"], quote["remainder"]) == (9, 5)
    url = f"/api/loyalty/merchants/{merchant.public_id}/exchange"
    refused = client.post(
        url, {"offline_points": 50, "step_up": "x"}, headers={"Idempotency-Key": "k"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "step_up_required"
    grant = exchange._grant(holder, "otp").public_id
    done = client.post(
        url, {"offline_points": 50, "step_up": grant}, headers={"Idempotency-Key": "k"}
    )
    assert done.status_code == 201 and done.json()["platform_points"] == 5
    tampered = client.post(
        url, {"offline_points": 60, "step_up": grant}, headers={"Idempotency-Key": "k"}
    )
    assert tampered.status_code == 409
    assert services.wallet(holder, services.PLATFORM_POINTS).balance == 5


def test_converting_more_than_owned_is_a_409(api_client, holder, merchant):
    grant = exchange._grant(holder, "otp").public_id
    response = api_client(holder).post(
        f"/api/loyalty/merchants/{merchant.public_id}/exchange",
        {"offline_points": 500, "step_up": grant},
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "insufficient_funds"


def test_only_the_merchants_managers_set_its_ratio(api_client, merchant, merchant_staff, shopper):
    url = f"/api/loyalty/merchants/{merchant.public_id}/exchange-rule"
    body = {"offline": 0, "platform": 1, "daily_limit": 10}
    assert api_client(shopper).put(url, body).status_code == 404
    bad = api_client(merchant_staff).put(url, body)
    assert bad.status_code == 422 and "offline" in bad.json()["error"]["fields"]
    ok = api_client(merchant_staff).put(url, {**body, "offline": 5})
    assert ok.json()["offline"] == 5


def test_face_step_up_through_the_api_and_deleting_the_template(api_client, holder):
    client = api_client(holder)
    photo = base64.b64encode(PORTRAIT).decode()
    assert client.put("/api/loyalty/me/face", {"image": photo}).status_code == 422  # no consent
    assert client.put("/api/loyalty/me/face", {"image": photo, "consent": True}).status_code == 200
    assert client.post("/api/loyalty/step-up/face", {"image": photo}).status_code == 201
    other = base64.b64encode(someone_else()).decode()
    assert client.post("/api/loyalty/step-up/face", {"image": other}).status_code == 403
    assert client.delete("/api/loyalty/me/face").status_code == 204
    assert client.post("/api/loyalty/step-up/face", {"image": photo}).status_code == 409
