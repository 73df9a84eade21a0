"""A seat is paid only by the intent its join opened, for the group price, by its member:
nobody opens an intent for a seat over the API, and any other intent that reaches the
payment handler is refunded in full while the seat stays unpaid."""

from decimal import Decimal

import pytest

from omniretail.groupbuy.models import Group, Member
from omniretail.groupbuy.tests.fixtures import CLIENT_VALUE
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent, Refund
from omniretail.payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db


def join_unpaid(groupbuys, api_client, shopper) -> Member:
    campaign = groupbuys.campaign()
    resp = api_client(shopper).post(
        f"/api/groupbuy/campaigns/{campaign.public_id}/join",
        {"provider": "sandbox_gateway", "client_value": CLIENT_VALUE},
    )
    assert resp.status_code == 201, resp.json()
    return Member.objects.get(public_id=resp.json()["id"])


def test_a_shopper_cannot_open_an_intent_for_a_seat_over_the_api(groupbuys, api_client):
    shopper = groupbuys.shopper(1)
    member = join_unpaid(groupbuys, api_client, shopper)
    resp = api_client(shopper).post(
        "/api/payments/intents",
        {
            "purpose": "groupbuy",
            "reference": member.public_id,
            "amount": "0.01",
            "provider": "sandbox_gateway",
        },
    )
    assert resp.status_code == 404
    assert PaymentIntent.objects.count() == 1


def test_a_penny_intent_for_a_seat_leaves_it_unpaid_and_goes_back(groupbuys, api_client):
    shopper = groupbuys.shopper(1)
    member = join_unpaid(groupbuys, api_client, shopper)
    rogue = payments.create_intent(
        purpose="groupbuy",
        reference=member.public_id,
        amount="0.01",
        payer=shopper,
        provider="balance",
    )
    with groupbuys.capture(execute=True):
        resp = api_client(shopper).post(f"/api/payments/intents/{rogue.public_id}/start")
    assert resp.status_code == 200, resp.content

    rogue.refresh_from_db()
    assert rogue.status == "refunded"
    assert Refund.objects.get(intent=rogue).idempotency_key == f"refused:{rogue.public_id}"
    member.refresh_from_db()
    assert member.status == "pending_payment" and member.paid_at is None
    assert Group.objects.get(pk=member.group_id).paid_count == 0
    assert wallet_balance(shopper) == Decimal("1000.00")


@pytest.mark.parametrize("field", ["amount", "payer"])
def test_the_seats_own_intent_changed_after_the_join_pays_nothing(groupbuys, api_client, field):
    shopper = groupbuys.shopper(1)
    campaign = groupbuys.campaign()
    member = groupbuys.join(shopper, campaign, pay=False)
    change = {"amount": Decimal("0.01")} if field == "amount" else {"payer": groupbuys.shopper(2)}
    PaymentIntent.objects.filter(public_id=member.intent_id).update(**change)

    with groupbuys.capture(execute=True):
        resp = api_client(change.get("payer", shopper)).post(
            f"/api/payments/intents/{member.intent_id}/start"
        )
    assert resp.status_code == 200, resp.content

    assert PaymentIntent.objects.get(public_id=member.intent_id).status == "refunded"
    member.refresh_from_db()
    assert member.status == "pending_payment"
    assert Group.objects.get(pk=member.group_id).paid_count == 0
    assert wallet_balance(change.get("payer", shopper)) == Decimal("1000.00")


def test_a_join_with_a_way_back_off_the_site_is_refused_whole(groupbuys, api_client):
    campaign = groupbuys.campaign()
    resp = api_client(groupbuys.shopper(1)).post(
        f"/api/groupbuy/campaigns/{campaign.public_id}/join",
        {
            "provider": "sandbox_gateway",
            "client_value": CLIENT_VALUE,
            "return_url": "javascript:alert(document.cookie)",
        },
    )
    assert resp.status_code == 422
    assert "return_url" in resp.json()["error"]["fields"]
    assert not Member.objects.exists() and not PaymentIntent.objects.exists()
