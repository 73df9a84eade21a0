"""The merchant console through Django's test client: who may enter, today's dashboard,
pickup redemption with its refusals, order handling, after-sales and stock forms."""

import re

import pytest

from omniretail.conftest import make_store
from omniretail.orders import aftersales
from omniretail.orders.models import AfterSalesRequest, Order
from omniretail.web.tests.factories import pay_from_wallet, place_order

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def staff_client(client, commerce):
    """The clerk, logged in, working at the near store (the store with the stock)."""
    client.force_login(commerce.staff)
    client.get("/merchant/", {"store": commerce.near_store.public_id})
    return client


@pytest.fixture
def paid_pickup(commerce, django_capture_on_commit_callbacks):
    order = place_order(
        commerce.member, commerce.near_store, [(commerce.mask_10, 2), (commerce.tea_sku, 1)]
    )
    return pay_from_wallet(order, django_capture_on_commit_callbacks)


# Who may enter


def test_anonymous_visitors_are_sent_to_log_in(client, commerce):
    response = client.get("/merchant/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/merchant/"


def test_a_shopper_gets_403(client, commerce):
    client.force_login(commerce.member)
    response = client.get("/merchant/")
    assert response.status_code == 403
    assert "仅对商家员工开放" in text(response)


def test_producer_staff_get_403(client, commerce, producer_staff):
    client.force_login(producer_staff)
    assert client.get("/merchant/stock/").status_code == 403


def test_staff_of_another_merchant_cannot_open_our_store(
    client, commerce, other_merchant, other_merchant_staff
):
    make_store(other_merchant_staff, other_merchant, "西溪店", lat=30.2747, lon=120.0706)
    client.force_login(other_merchant_staff)
    assert client.get("/merchant/").status_code == 200
    response = client.get("/merchant/", {"store": commerce.near_store.public_id})
    assert response.status_code == 404
    assert commerce.near_store.name not in text(response)


def test_staff_of_another_merchant_do_not_see_our_orders(
    client, commerce, paid_pickup, other_merchant, other_merchant_staff
):
    make_store(other_merchant_staff, other_merchant, "西溪店", lat=30.2747, lon=120.0706)
    client.force_login(other_merchant_staff)
    assert paid_pickup.number not in text(client.get("/merchant/orders/"))
    assert client.get(f"/merchant/orders/{paid_pickup.public_id}/").status_code == 404


# Dashboard


def test_dashboard_shows_todays_orders_pickups_due_chart_and_low_stock(
    staff_client, commerce, paid_pickup
):
    body = text(staff_client.get("/merchant/", {"store": commerce.near_store.public_id}))
    assert re.search(r'data-testid="today-count">1<', body)
    assert paid_pickup.number in body
    assert 'data-testid="pickup-due"' in body
    assert "data-plotly" in body and "/static/plotly/plotly.min.js" in body
    assert "cdn" not in body.lower()
    # 3 masks of 20 pieces on the shelf, threshold 5: the 20-piece pack is low on stock
    assert re.search(r'data-testid="low-stock"><span>玻尿酸补水面膜 · 20 片装', body)


def test_every_marketing_tool_on_the_dashboard_opens_for_the_manager(staff_client, commerce):
    body = staff_client.get("/merchant/").content.decode()
    tools = re.findall(r'<a href="([^"]+)" data-testid="nav-[a-z-]+"', body)
    assert len(tools) >= 6
    for href in tools:
        assert staff_client.get(href, follow=True).status_code == 200, href


def test_the_chosen_store_is_remembered_in_the_session(staff_client, commerce):
    staff_client.get("/merchant/", {"store": commerce.far_store.public_id})
    body = text(staff_client.get("/merchant/stock/"))
    assert re.search(rf'value="{commerce.far_store.public_id}" selected', body)


# Redeem


def test_redeeming_a_pickup_code_shows_the_lines_to_hand_over(staff_client, commerce, paid_pickup):
    code = paid_pickup.pickup_code.code
    response = staff_client.post("/merchant/redeem/", {"code": f"{code[:4]} {code[4:]}"})
    assert response.status_code == 200
    body = text(response)
    assert "核销成功" in body
    assert body.count('data-testid="redeemed-line"') == 2
    assert "× 2" in body
    paid_pickup.refresh_from_db()
    assert paid_pickup.status == Order.Status.COMPLETED


def test_the_scanned_qr_text_is_accepted_too(staff_client, commerce, paid_pickup):
    response = staff_client.post(
        "/merchant/redeem/", {"code": f"OMNI-PICKUP:{paid_pickup.pickup_code.code}"}
    )
    assert "核销成功" in text(response)


def test_a_second_redemption_is_refused_as_already_redeemed(staff_client, commerce, paid_pickup):
    staff_client.post("/merchant/redeem/", {"code": paid_pickup.pickup_code.code})
    response = staff_client.post("/merchant/redeem/", {"code": paid_pickup.pickup_code.code})
    assert response.status_code == 409
    assert "已于" in text(response) and "核销" in text(response)


@pytest.mark.parametrize(
    ("code", "status", "message"),
    [("12345", 422, "请输入 8 位自提码"), ("00000000", 404, "自提码无效")],
)
def test_a_bad_code_is_refused_with_a_message(staff_client, commerce, code, status, message):
    response = staff_client.post("/merchant/redeem/", {"code": code})
    assert response.status_code == status
    assert message in text(response)


def test_another_stores_order_is_refused(staff_client, commerce, paid_pickup):
    staff_client.get("/merchant/", {"store": commerce.far_store.public_id})
    response = staff_client.post("/merchant/redeem/", {"code": paid_pickup.pickup_code.code})
    assert response.status_code == 404  # as for a code that does not exist: nothing leaks
    assert "自提码无效" in text(response)
    paid_pickup.refresh_from_db()
    assert paid_pickup.status == Order.Status.PAID


# Orders


def test_orders_are_filtered_by_status(staff_client, commerce, paid_pickup):
    pending = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 1)])
    body = text(staff_client.get("/merchant/orders/", {"status": "paid"}))
    assert paid_pickup.number in body and pending.number not in body
    body = text(staff_client.get("/merchant/orders/"))
    assert paid_pickup.number in body and pending.number in body


def test_staff_mark_a_pickup_order_ready(staff_client, commerce, paid_pickup):
    url = f"/merchant/orders/{paid_pickup.public_id}/"
    assert "备货完成" in text(staff_client.get(url))
    response = staff_client.post(url + "action/", {"action": "ready"})
    assert response.status_code == 302
    assert "待自提" in text(staff_client.get(url))


def test_shipping_a_pickup_order_is_refused_with_a_message(staff_client, commerce, paid_pickup):
    response = staff_client.post(
        f"/merchant/orders/{paid_pickup.public_id}/action/", {"action": "ship"}
    )
    assert response.status_code == 422
    assert "只有配送订单可以发货" in text(response)


def test_staff_ship_and_deliver_a_delivery_order(
    staff_client, commerce, django_capture_on_commit_callbacks
):
    order = place_order(
        commerce.member, commerce.near_store, [(commerce.tea_sku, 1)], kind="delivery"
    )
    pay_from_wallet(order, django_capture_on_commit_callbacks)
    url = f"/merchant/orders/{order.public_id}/"
    staff_client.post(url + "action/", {"action": "ship"})
    assert "配送中" in text(staff_client.get(url))
    staff_client.post(url + "action/", {"action": "deliver"})
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_approving_an_after_sales_request_refunds_the_shopper(
    staff_client, commerce, paid_pickup, django_capture_on_commit_callbacks
):
    line = paid_pickup.lines.get(sku=commerce.tea_sku)
    request = aftersales.request_after_sales(
        shopper=commerce.member,
        order=paid_pickup,
        kind="refund_only",
        reason="茶叶受潮",
        lines={line.public_id: 1},
    )
    url = f"/merchant/orders/{paid_pickup.public_id}/"
    assert "茶叶受潮" in text(staff_client.get(url))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/merchant/after-sales/{request.public_id}/decide/",
            {"order": paid_pickup.public_id, "decision": "approve"},
        )
    assert response.status_code == 302
    paid_pickup.refresh_from_db()
    assert str(paid_pickup.amount_refunded) == "59.00"
    assert AfterSalesRequest.objects.get().status == AfterSalesRequest.Status.REFUNDED
    assert re.search(r'data-testid="refunded">¥59\.00<', text(staff_client.get(url)))


def test_rejecting_without_a_note_is_refused(staff_client, commerce, paid_pickup):
    request = aftersales.request_after_sales(
        shopper=commerce.member, order=paid_pickup, kind="refund_only", reason="不想要了"
    )
    response = staff_client.post(
        f"/merchant/after-sales/{request.public_id}/decide/",
        {"order": paid_pickup.public_id, "decision": "reject", "note": ""},
    )
    assert response.status_code == 422
    assert "拒绝时请说明原因" in text(response)
    assert AfterSalesRequest.objects.get().status == AfterSalesRequest.Status.REQUESTED


# Stock


def test_stock_page_lists_levels_with_the_low_stock_flag(staff_client, commerce):
    body = text(staff_client.get("/merchant/stock/", {"store": commerce.near_store.public_id}))
    assert body.count('data-testid="stock-level"') == 3
    assert body.count('data-testid="low-flag"') == 1  # the 20-piece pack: 3 left


def test_receiving_stock_raises_the_level(staff_client, commerce):
    response = staff_client.post(
        "/merchant/stock/",
        {"action": "receive", "sku": commerce.mask_20.public_id, "quantity": "10"},
    )
    assert response.status_code == 302
    assert commerce.location.levels.get(sku=commerce.mask_20).on_hand == 13
    assert "已入库" in text(staff_client.get("/merchant/stock/"))


def test_an_adjustment_without_a_reason_is_refused_inline(staff_client, commerce):
    response = staff_client.post(
        "/merchant/stock/",
        {"action": "adjust", "sku": commerce.tea_sku.public_id, "delta": "-2", "reason": ""},
    )
    assert response.status_code == 422
    assert "请填写调整原因" in text(response)
    assert 'data-testid="stock-levels"' in text(response)  # the page, with the message
    assert commerce.location.levels.get(sku=commerce.tea_sku).on_hand == 10


def test_an_adjustment_with_a_reason_changes_the_level(staff_client, commerce):
    staff_client.post(
        "/merchant/stock/",
        {"action": "adjust", "sku": commerce.tea_sku.public_id, "delta": "-2", "reason": "破损"},
    )
    assert commerce.location.levels.get(sku=commerce.tea_sku).on_hand == 8


def test_transfer_to_another_of_the_merchants_stores(staff_client, commerce):
    from omniretail.inventory.selectors import locations_for_actor

    page = text(staff_client.get("/merchant/stock/"))
    assert f'value="store:{commerce.far_store.public_id}"' in page
    response = staff_client.post(
        "/merchant/stock/",
        {
            "action": "transfer",
            "sku": commerce.tea_sku.public_id,
            "destination": f"store:{commerce.far_store.public_id}",
            "quantity": "4",
        },
    )
    assert response.status_code == 302
    assert commerce.location.levels.get(sku=commerce.tea_sku).on_hand == 6
    far = locations_for_actor(commerce.staff).get(store=commerce.far_store)
    assert far.levels.get(sku=commerce.tea_sku).on_hand == 4


def test_transferring_more_than_is_free_is_refused(staff_client, commerce):
    response = staff_client.post(
        "/merchant/stock/",
        {
            "action": "transfer",
            "sku": commerce.mask_20.public_id,
            "destination": f"store:{commerce.far_store.public_id}",
            "quantity": "50",
        },
    )
    assert response.status_code == 409
    assert "可用库存不足" in text(response)
    assert commerce.location.levels.get(sku=commerce.mask_20).on_hand == 3


def test_transfer_to_another_merchants_store_is_not_found(
    staff_client, commerce, other_merchant, other_merchant_staff
):
    foreign = make_store(other_merchant_staff, other_merchant, "西溪店", lat=30.27, lon=120.07)
    response = staff_client.post(
        "/merchant/stock/",
        {
            "action": "transfer",
            "sku": commerce.tea_sku.public_id,
            "destination": f"store:{foreign.public_id}",
            "quantity": "1",
        },
    )
    assert response.status_code == 404
    assert commerce.location.levels.get(sku=commerce.tea_sku).on_hand == 10


def test_the_console_speaks_english_when_asked(staff_client, commerce, settings):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = text(staff_client.get("/merchant/redeem/"))
    assert "Type or scan the shopper's pickup code" in body
    assert "Merchant console navigation" in body


def test_me_links_merchant_staff_to_the_console_but_not_producers(client, commerce, producer_staff):
    client.force_login(commerce.staff)
    assert 'data-testid="merchant-console"' in text(client.get("/me/"))
    client.force_login(producer_staff)
    assert 'data-testid="merchant-console"' not in text(client.get("/me/"))


def test_the_orders_list_costs_a_constant_number_of_queries(
    staff_client, commerce, django_assert_max_num_queries
):
    for _ in range(5):
        place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 1)])
    with django_assert_max_num_queries(14):
        response = staff_client.get("/merchant/orders/")
    assert text(response).count('data-testid="merchant-order"') == 5
