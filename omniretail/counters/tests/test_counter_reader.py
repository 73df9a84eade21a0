"""A purchase at the counter itself, with no member and no phone page: the payer's WeChat
payment code read by the counter's scanner, or a WeChat QR on its screen, through the WeChat
Pay sandbox over real HTTP. Only a paid purchase unlocks the bay; a refused code writes
nothing (docs/counter-protocol.md, "Purchases at the counter")."""

import pytest

from omniretail.counters.models import Command, Vend
from omniretail.counters.tests.device import InProcessSim
from omniretail.orders.models import Order
from omniretail.sandbox_wechatpay import wechat

pytestmark = pytest.mark.django_db(transaction=True, databases="__all__")

PAID_AT_ONCE = "120061098828009406"
NEEDS_PASSWORD = "134567890123456789"
NOT_A_CODE = "990000000000000000"


@pytest.fixture
def online(live, counter_setup):
    sim = InProcessSim(counter_setup)
    sim.start()
    sim.heartbeat()
    return counter_setup


def purchase(api_client, setup, **body):
    return api_client().post(
        "/api/counters/device/purchases",
        {"bay": "1", "quantity": 1, "provider": "wechatpay", **body},
        headers=setup.device_headers,
    )


def test_a_payment_code_paid_at_once_unlocks_the_bay(online, api_client):
    answer = purchase(api_client, online, auth_code=PAID_AT_ONCE)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert (body["payment"], body["status"]) == ("paid", "unlocking")
    vend = Vend.objects.get(public_id=body["vend"])
    assert vend.shopper is None and vend.order.status == Order.Status.PAID
    unlock = Command.objects.get(kind=Command.Kind.UNLOCK)
    assert unlock.envelope["args"]["bay"] == "1"


def test_a_code_awaiting_the_password_unlocks_only_once_the_payer_confirms(online, api_client):
    body = purchase(api_client, online, auth_code=NEEDS_PASSWORD).json()
    assert (body["payment"], body["status"]) == ("pending", "awaiting_payment")
    assert not Command.objects.exists()
    path = f"/api/counters/device/purchases/{body['vend']}"
    assert api_client().get(path, headers=online.device_headers).json()["payment"] == "pending"
    vend = Vend.objects.get(public_id=body["vend"])
    wechat.payer_answers(out_trade_no=vend.order.payment_intent_id, accept=True)
    again = api_client().get(path, headers=online.device_headers).json()
    assert (again["payment"], again["status"]) == ("paid", "unlocking")
    assert Command.objects.filter(kind=Command.Kind.UNLOCK).count() == 1


def test_a_refused_code_writes_nothing(online, api_client):
    answer = purchase(api_client, online, auth_code=NOT_A_CODE)
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "payment_code_refused"
    assert not Vend.objects.exists() and not Order.objects.exists()


def test_without_a_code_the_counter_shows_a_wechat_qr(online, api_client):
    body = purchase(api_client, online).json()
    assert body["payment"] == "show_qr" and body["qr_code"].startswith("weixin://")
    assert not Command.objects.exists()


def test_another_counter_cannot_ask_about_the_vend_and_balance_is_not_offered(online, api_client):
    body = purchase(api_client, online, auth_code=NEEDS_PASSWORD).json()
    assert (
        api_client()
        .get(
            f"/api/counters/device/purchases/{body['vend']}",
            headers={"Authorization": "Counter nope.nope"},
        )
        .status_code
        == 401
    )
    refused = purchase(api_client, online, provider="balance", auth_code=PAID_AT_ONCE)
    assert refused.status_code == 422 and "provider" in refused.json()["error"]["fields"]
