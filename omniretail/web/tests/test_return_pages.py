"""A return of picked-up goods through the pages: the shopper's order page asks for the
tracking number (or a drop-off), the store's order page confirms receipt and condition, and
only then are the stock and the money back. Bad input is a clear 4xx that changes nothing."""

import pytest
from django.test import Client

from omniretail.accounts.models import User
from omniretail.inventory.models import StockLevel
from omniretail.orders import aftersales
from omniretail.orders.models import AfterSalesRequest, Order
from omniretail.orders.pickup import redeem_pickup_code
from omniretail.payments.selectors import wallet_balance
from omniretail.web.tests.factories import pay_from_wallet, place_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_return(commerce, django_capture_on_commit_callbacks):
    """2 masks picked up at the near store; a return of one approved by the store."""
    order = place_order(commerce.member, commerce.near_store, [(commerce.mask_10, 2)])
    order = pay_from_wallet(order, django_capture_on_commit_callbacks)
    redeem_pickup_code(staff=commerce.staff, store=commerce.near_store, code=order.pickup_code.code)
    line = order.lines.get()
    order.refresh_from_db()
    request = aftersales.request_after_sales(
        shopper=commerce.member,
        order=order,
        kind="return_refund",
        reason="买多了",
        lines={line.public_id: 1},
    )
    aftersales.decide_after_sales(staff=commerce.staff, request=request, approve=True)
    return request


def shelf(commerce) -> int:
    return StockLevel.objects.get(location=commerce.location, sku=commerce.mask_10).on_hand


def test_shopper_ships_the_goods_back_and_the_store_confirms_receipt_then_refunds(
    client, commerce, approved_return, django_capture_on_commit_callbacks
):
    order = approved_return.order
    client.force_login(commerce.member)
    before, on_shelf = wallet_balance(commerce.member), shelf(commerce)
    page = client.get(f"/orders/{order.public_id}/").content.decode()
    assert 'data-testid="return-form"' in page and "顺丰速运" in page

    sent = client.post(
        f"/orders/{order.public_id}/after-sales/{approved_return.public_id}/return/",
        {"method": "ship", "carrier": "中通快递", "tracking_no": "78912345678901"},
    )
    assert sent.status_code == 302
    assert "中通快递 78912345678901" in client.get(sent.url).content.decode()
    assert (shelf(commerce), wallet_balance(commerce.member)) == (on_shelf, before)

    staff = Client()
    staff.force_login(commerce.staff)
    store_page = staff.get(f"/merchant/orders/{order.public_id}/").content.decode()
    assert "买家已寄回：中通快递 78912345678901" in store_page
    url = f"/merchant/after-sales/{approved_return.public_id}/receive/"
    form = {"order": order.public_id, "condition": "resellable"}
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(url, form).status_code == 302
    assert shelf(commerce) == on_shelf + 1
    assert wallet_balance(commerce.member) == before + approved_return.amount

    twice = staff.post(url, form)  # a double click refunds nothing more
    assert twice.status_code == 409
    assert "不能确认收货" in twice.content.decode()
    assert shelf(commerce) == on_shelf + 1
    assert wallet_balance(commerce.member) == before + approved_return.amount


@pytest.mark.parametrize("tracking_no", ["", "7" * 200])
def test_an_empty_or_overlong_tracking_number_is_a_422_and_changes_nothing(
    client, commerce, approved_return, tracking_no
):
    order = approved_return.order
    client.force_login(commerce.member)
    response = client.post(
        f"/orders/{order.public_id}/after-sales/{approved_return.public_id}/return/",
        {"method": "ship", "carrier": "顺丰速运", "tracking_no": tracking_no},
    )
    assert response.status_code == 422
    assert "请填写正确的快递单号" in response.content.decode()
    approved_return.refresh_from_db()
    assert (approved_return.status, approved_return.return_tracking_no) == ("awaiting_return", "")


def test_someone_elses_return_cannot_be_sent_or_received(
    client, commerce, approved_return, other_merchant_staff
):
    order = approved_return.order
    stranger = User.objects.create(username="m13900139000", phone="13900139000")
    client.force_login(stranger)
    sent = client.post(
        f"/orders/{order.public_id}/after-sales/{approved_return.public_id}/return/",
        {"method": "drop_off"},
    )
    assert sent.status_code == 404

    rival = Client()
    rival.force_login(other_merchant_staff)
    received = rival.post(
        f"/merchant/after-sales/{approved_return.public_id}/receive/",
        {"order": order.public_id, "condition": "resellable"},
    )
    assert received.status_code == 404
    approved_return.refresh_from_db()
    assert approved_return.status == AfterSalesRequest.Status.AWAITING_RETURN
    assert Order.objects.get().amount_refunded == 0


def test_the_clerk_finds_the_parcel_by_its_tracking_number_among_returns_awaiting_goods(
    client, commerce, approved_return, other_merchant_staff
):
    aftersales.send_return(
        shopper=commerce.member,
        request=approved_return,
        method="ship",
        carrier="圆通速递",
        tracking_no="YT9876543210",
    )
    staff = Client()
    staff.force_login(commerce.staff)
    staff.get("/merchant/", {"store": commerce.near_store.public_id})  # at the counter there
    number = approved_return.order.number
    waiting = staff.get("/merchant/after-sales/", {"status": "awaiting_goods"}).content.decode()
    assert number in waiting and "圆通速递 YT9876543210" in waiting
    assert number not in staff.get("/merchant/after-sales/", {"status": "requested"}).text
    found = staff.get("/merchant/after-sales/", {"q": "yt 9876543210"}).content.decode()
    assert found.count('data-testid="merchant-after-sales-row"') == 1 and number in found
    assert number not in staff.get("/merchant/after-sales/", {"q": "YT000"}).text

    rival = Client()
    rival.force_login(other_merchant_staff)
    assert number not in rival.get("/merchant/after-sales/", {"q": "YT9876543210"}).text
