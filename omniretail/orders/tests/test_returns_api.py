"""The return of goods the shopper holds through the API: approval answers awaiting_return
and moves nothing; the shopper posts the parcel's tracking number; the store posts receipt
and condition, which restocks and refunds once. Bad input is a clear 4xx that changes
nothing."""

from decimal import Decimal

import pytest

from omniretail.accounts.models import User
from omniretail.inventory.models import StockLevel
from omniretail.orders import aftersales
from omniretail.orders.pickup import redeem_pickup_code
from omniretail.payments.selectors import wallet_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved(place_order, pay, wallet, store, sku, merchant_staff):
    order = pay(place_order(lines=[(sku, 2)]))
    order = redeem_pickup_code(staff=merchant_staff, store=store, code=order.pickup_code.code)
    request = aftersales.request_after_sales(
        shopper=order.shopper,
        order=order,
        kind="return_refund",
        reason="颜色不喜欢",
        lines={order.lines.get().public_id: 1},
    )
    aftersales.decide_after_sales(staff=merchant_staff, request=request, approve=True)
    return request


def shelf(stocked, sku) -> int:
    return StockLevel.objects.get(location=stocked, sku=sku).on_hand


def test_the_parcel_is_posted_then_received_and_only_then_refunded(
    api_client, approved, wallet, stocked, sku, merchant_staff, django_capture_on_commit_callbacks
):
    before = wallet_balance(wallet)
    sent = api_client(wallet).post(
        f"/api/orders/after-sales/{approved.public_id}/return",
        {"method": "ship", "carrier": "京东物流", "tracking_no": "JD0012345678"},
    )
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "return_sent"
    assert sent.json()["return_tracking_no"] == "JD0012345678"
    assert (shelf(stocked, sku), wallet_balance(wallet)) == (18, before)

    url = f"/api/orders/merchant/after-sales/{approved.public_id}/receipt"
    with django_capture_on_commit_callbacks(execute=True):
        received = api_client(merchant_staff).post(
            url, {"resellable": True}, headers={"Idempotency-Key": "receipt-1"}
        )
    assert received.status_code == 200, received.content
    assert received.json()["resellable"] is True and received.json()["received_at"]
    approved.refresh_from_db()
    assert approved.status == "refunded"
    replay = api_client(merchant_staff).post(
        url, {"resellable": True}, headers={"Idempotency-Key": "receipt-1"}
    )
    assert replay.json() == received.json()
    twice = api_client(merchant_staff).post(url, {"resellable": True})
    assert twice.status_code == 409
    assert shelf(stocked, sku) == 19
    assert wallet_balance(wallet) == before + Decimal("39.90")


@pytest.mark.parametrize(
    "body",
    [
        {"method": "ship", "carrier": "京东物流", "tracking_no": ""},
        {"method": "ship", "carrier": "京东物流", "tracking_no": "J" * 200},
        {"method": "ship", "carrier": "京东物流", "tracking_no": "J" * 201},
        {"method": "ship", "carrier": "某某快递", "tracking_no": "JD0012345678"},
        {"method": "carrier-pigeon"},
    ],
)
def test_a_bad_shipment_is_a_422_and_changes_nothing(api_client, approved, wallet, body):
    resp = api_client(wallet).post(f"/api/orders/after-sales/{approved.public_id}/return", body)
    assert resp.status_code == 422, resp.content
    approved.refresh_from_db()
    assert (approved.status, approved.return_tracking_no) == ("awaiting_return", "")


def test_someone_elses_return_is_not_found(
    api_client, approved, wallet, stocked, sku, other_merchant_staff
):
    stranger = User.objects.create(username="m13900139000", phone="13900139000")
    sent = api_client(stranger).post(
        f"/api/orders/after-sales/{approved.public_id}/return", {"method": "drop_off"}
    )
    assert sent.status_code == 404
    received = api_client(other_merchant_staff).post(
        f"/api/orders/merchant/after-sales/{approved.public_id}/receipt", {"resellable": True}
    )
    assert received.status_code == 404
    approved.refresh_from_db()
    assert approved.status == "awaiting_return"
    assert shelf(stocked, sku) == 18
