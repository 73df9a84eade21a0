"""/api/till: a sale rung up through the API answers with its receipt (change, points) and
counts in the clerk's shift; another merchant's staff see neither."""

import pytest

from omniretail.loyalty import members
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import Member
from omniretail.orders.tests.conftest import stocked  # noqa: F401  (the store's shelf)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(merchant, shopper):
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 10}])
    members.activate(user=shopper, org=merchant)
    Member.objects.filter(user=shopper, org=merchant).update(tier="金卡")
    loyalty.set_earn_rule(
        org=merchant, kind="per_item", points=1, tiers={"1": 1, "2": 3}, target="offline"
    )
    return shopper


def test_a_sale_answers_with_its_receipt_and_counts_in_the_shift(
    stocked,  # noqa: F811
    store,
    sku,
    merchant,
    merchant_staff,
    other_merchant_staff,
    member,
    api_client,
):
    clerk = api_client(merchant_staff)
    body = {
        "store": store.public_id,
        "lines": [{"barcode": sku.code, "quantity": 2}],
        "member": "13700000001",
        "cash_tendered": "100",
    }
    key = {"Idempotency-Key": "till-api-1"}
    first = clerk.post("/api/till/sales", body, headers=key)
    assert first.status_code == 201, first.json()
    receipt = first.json()
    assert (receipt["total"], receipt["tendered"], receipt["change"]) == (
        "71.82",
        "100.00",
        "28.18",
    )
    assert receipt["points"] == {loyalty.merchant_asset_code(merchant): 3}
    assert receipt["member_phone"] == "137****0001"
    assert clerk.post("/api/till/sales", body, headers=key).json() == receipt

    assert clerk.get(f"/api/till/sales/{receipt['order']}").json() == receipt
    shift = clerk.get("/api/till/shift", {"store": store.public_id}).json()
    assert (shift["count"], shift["cash_expected"]) == (1, "71.82")

    rival = api_client(other_merchant_staff)
    assert rival.get(f"/api/till/sales/{receipt['order']}").status_code == 404
    assert rival.get("/api/till/shift", {"store": store.public_id}).status_code == 404
