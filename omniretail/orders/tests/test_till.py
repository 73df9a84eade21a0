"""The till (收银台) API: a clerk scans goods by barcode, names the member by phone or by the
member code on their phone, the tier discount comes off, cash is taken with change (or the
member's balance), and the merchant's offline points are earned (seed 003)."""

import time
from decimal import Decimal

import pytest

from omniretail.inventory.models import StockLevel
from omniretail.loyalty import member_code, members, selectors
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import Member
from omniretail.orders.models import Order
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db
URL = "/api/orders/merchant/sales"


@pytest.fixture
def gold_member(merchant, shopper):
    """The shopper is a 金卡 member (10 % off) of a merchant whose per-item rule pays its
    own points: one item 1, two identical items 3."""
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 10}])
    members.activate(user=shopper, org=merchant)
    Member.objects.filter(user=shopper, org=merchant).update(tier="金卡")
    loyalty.set_earn_rule(
        org=merchant, kind="per_item", points=1, tiers={"1": 1, "2": 3}, target="offline"
    )
    return shopper


def sale(store, sku, **extra):
    return {
        "store": store.public_id,
        "lines": [{"barcode": sku.code, "quantity": 2}],
        **extra,
    }


def nothing_written(stocked, sku, on_hand=20):
    return (
        not Order.objects.exists()
        and not PaymentIntent.objects.exists()
        and StockLevel.objects.get(location=stocked, sku=sku).on_hand == on_hand
    )


def test_a_member_named_by_phone_gets_the_tier_discount_and_earns_offline_points(
    stocked,
    store,
    sku,
    merchant,
    merchant_staff,
    gold_member,
    api_client,
    django_capture_on_commit_callbacks,
):
    clerk = api_client(merchant_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post(URL, sale(store, sku, member="137 0000 0001", cash_tendered="100.00"))
    assert response.status_code == 201, response.json()
    body = response.json()
    # 2 x 39.90 = 79.80, 金卡 10 % = 7.98 off
    assert (body["subtotal"], body["discount_total"], body["total"]) == (
        "79.80",
        "7.98",
        "71.82",
    )
    assert body["discount_lines"][0]["kind"] == "tier"
    assert body["status"] == "completed"
    offline = loyalty.merchant_asset_code(merchant)
    assert selectors.balance(gold_member, offline) == 3
    assert selectors.balance(gold_member, loyalty.PLATFORM_POINTS) == 0


def test_the_member_code_names_the_shopper_and_an_expired_one_is_refused(
    stocked,
    store,
    sku,
    merchant,
    merchant_staff,
    gold_member,
    api_client,
    django_capture_on_commit_callbacks,
):
    clerk = api_client(merchant_staff)
    stale = member_code.member_code(gold_member, now=time.time() - 150)
    refused = clerk.post(URL, sale(store, sku, member=stale))
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "member_code_expired"
    assert "member" in refused.json()["error"]["fields"]
    assert nothing_written(stocked, sku)

    genuine = member_code.member_code(gold_member)
    forged = genuine[:-1] + ("1" if genuine.endswith("0") else "0")
    assert clerk.post(URL, sale(store, sku, member=forged)).status_code == 422

    with django_capture_on_commit_callbacks(execute=True):
        ok = clerk.post(URL, sale(store, sku, member=member_code.member_code(gold_member)))
    assert ok.status_code == 201
    assert ok.json()["total"] == "71.82"
    assert selectors.balance(gold_member, loyalty.merchant_asset_code(merchant)) == 3


def test_a_member_code_of_a_shopper_new_to_the_merchant_makes_them_a_member(
    stocked, store, sku, merchant, merchant_staff, shopper, api_client
):
    code = member_code.member_code(shopper)
    response = api_client(merchant_staff).post(URL, sale(store, sku, member=code))
    assert response.status_code == 201
    assert Member.objects.filter(user=shopper, org=merchant, activated_at__isnull=False).exists()


def test_a_phone_that_is_not_a_member_is_not_found_and_nothing_is_sold(
    stocked, store, sku, merchant_staff, shopper, api_client
):
    response = api_client(merchant_staff).post(URL, sale(store, sku, member="13700000001"))
    assert response.status_code == 404
    assert "member" in response.json()["error"]["fields"]
    assert nothing_written(stocked, sku)


def test_cash_below_the_total_an_unknown_barcode_and_another_merchant_write_nothing(
    stocked, store, sku, merchant_staff, other_merchant_staff, gold_member, api_client
):
    clerk = api_client(merchant_staff)
    short = clerk.post(URL, sale(store, sku, member="13700000001", cash_tendered="71.81"))
    assert short.status_code == 422
    assert "cash_tendered" in short.json()["error"]["fields"]
    assert "71.82" in short.json()["error"]["message"]

    unknown = clerk.post(
        URL, {"store": store.public_id, "lines": [{"barcode": "6901234567892", "quantity": 1}]}
    )
    assert unknown.status_code == 404
    assert "barcode" in unknown.json()["error"]["fields"]

    rival = api_client(other_merchant_staff).post(URL, sale(store, sku, cash_tendered="100"))
    assert rival.status_code == 404
    assert nothing_written(stocked, sku)
    assert not Member.objects.exclude(user=gold_member).exists()


def test_balance_pays_from_the_members_wallet_and_needs_a_member(
    stocked,
    store,
    sku,
    merchant,
    merchant_staff,
    gold_member,
    api_client,
    django_capture_on_commit_callbacks,
):
    clerk = api_client(merchant_staff)
    anonymous = clerk.post(URL, sale(store, sku, payment="balance"))
    assert anonymous.status_code == 422
    assert "member" in anonymous.json()["error"]["fields"]
    broke = clerk.post(URL, sale(store, sku, payment="balance", member="13700000001"))
    assert broke.status_code == 409
    assert nothing_written(stocked, sku)

    payments.top_up_wallet(user=gold_member, amount="100.00", idempotency_key="till-topup")
    with django_capture_on_commit_callbacks(execute=True):
        paid = clerk.post(URL, sale(store, sku, payment="balance", member="13700000001"))
    assert paid.status_code == 201
    assert paid.json()["status"] == "completed"
    intent = PaymentIntent.objects.get(public_id=paid.json()["payment_intent"])
    assert (intent.provider, intent.amount) == ("balance", Decimal("71.82"))
