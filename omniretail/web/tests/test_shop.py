"""Buying through the shopper's pages: cart, login with a cart, checkout, payment hand-off,
the order page with its pickup code, and the friendly refusals on the way."""

import re

import pytest

from omniretail.core.sms import read_sms_file
from omniretail.orders.models import AfterSalesRequest, Order
from omniretail.web.tests.factories import next_slot, pay_from_wallet, place_order

PHONE = "13800138000"
pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def add(client, sku, quantity=1, action="add"):
    return client.post("/cart/add/", {"sku": sku.public_id, "quantity": quantity, "action": action})


def checkout_form(client, **overrides):
    """The checkout form as the page renders it (with its one-time token), then filled in."""
    page = text(client.get("/checkout/"))
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    form = {"token": token, "kind": "pickup", "provider": "balance"}
    form.update(overrides)
    return form


# Product page and cart


def test_product_page_offers_sku_choice_quantity_and_both_buttons(client, commerce):
    body = text(client.get(f"/p/{commerce.mask.public_id}/"))
    assert f'value="{commerce.mask_10.public_id}"' in body
    assert f'value="{commerce.mask_20.public_id}"' in body
    assert "加入购物车" in body and "立即购买" in body
    assert 'name="quantity"' in body


def test_anonymous_shopper_adds_to_the_cart_and_sees_line_and_subtotal(client, commerce):
    response = add(client, commerce.mask_20, 2)
    assert response.status_code == 302 and response["Location"] == "/cart/"
    body = text(client.get("/cart/"))
    assert commerce.mask.name in body
    assert re.search(r'data-testid="line-quantity">2<', body)
    assert re.search(r'data-testid="subtotal">¥138\.00<', body)


def test_adding_the_same_sku_again_adds_up(client, commerce):
    add(client, commerce.tea_sku, 1)
    add(client, commerce.tea_sku, 2)
    assert re.search(r'data-testid="line-quantity">3<', text(client.get("/cart/")))


def test_the_stepper_changes_the_quantity_and_zero_removes_the_line(client, commerce):
    add(client, commerce.tea_sku, 1)
    htmx = {"HX-Request": "true"}
    response = client.post(
        "/cart/quantity/", {"sku": commerce.tea_sku.public_id, "quantity": 4}, headers=htmx
    )
    assert response.status_code == 200
    assert "<html" not in text(response)
    assert re.search(r'data-testid="line-quantity">4<', text(response))
    assert re.search(r'data-testid="subtotal">¥236\.00<', text(response))
    response = client.post(
        "/cart/quantity/", {"sku": commerce.tea_sku.public_id, "quantity": 0}, headers=htmx
    )
    assert 'data-testid="empty-cart"' in text(response)


@pytest.mark.parametrize("quantity", ["abc", "100", "-2"])
def test_a_bad_quantity_is_a_friendly_422_and_the_cart_is_unchanged(client, commerce, quantity):
    add(client, commerce.tea_sku, 1)
    response = client.post(
        "/cart/quantity/",
        {"sku": commerce.tea_sku.public_id, "quantity": quantity},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert 'data-testid="error"' in text(response)
    assert "数量" in text(response)
    assert re.search(r'data-testid="line-quantity">1<', text(client.get("/cart/")))


def test_adding_an_unknown_sku_is_a_404_page(client, commerce):
    response = client.post("/cart/add/", {"sku": "01hzzzzzzzzzzzzzzzzzzzzzzz", "quantity": 1})
    assert response.status_code == 404


def test_availability_lists_the_stores_that_can_supply_the_whole_cart(client, commerce):
    add(client, commerce.mask_10, 2)
    lat, lon = commerce.near_point
    response = client.get(
        "/cart/availability/", {"lat": lat, "lon": lon}, headers={"HX-Request": "true"}
    )
    body = text(response)
    near = body.index(commerce.near_store.name)
    assert 'data-testid="can-fulfil"' in body[near : body.index(commerce.far_store.name)]
    assert "部分商品缺货" in body[body.index(commerce.far_store.name) :]


def test_availability_without_a_position_uses_the_city_centre(client, commerce):
    add(client, commerce.mask_10, 1)
    body = text(client.get("/cart/availability/", headers={"HX-Request": "true"}))
    assert "杭州市中心" in body
    assert commerce.near_store.name in body


def test_buy_now_goes_to_checkout_with_only_that_sku(client, commerce):
    client.force_login(commerce.member)
    add(client, commerce.tea_sku, 1)
    response = add(client, commerce.mask_20, 2, action="buy_now")
    assert response.status_code == 302
    assert response["Location"] == f"/checkout/?sku={commerce.mask_20.public_id}&qty=2"
    body = text(client.get(response["Location"]))
    assert body.count('data-testid="checkout-line"') == 1
    assert "20 片装 × 2" in body


def test_buy_now_as_a_guest_asks_to_log_in_and_comes_back(client, commerce):
    response = client.get(add(client, commerce.tea_sku, 1, action="buy_now")["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/checkout/")


def test_the_cart_survives_the_sms_login(client, commerce):
    add(client, commerce.mask_20, 2)
    client.post("/login/", {"action": "send_code", "phone": PHONE})
    code = re.search(r"\b(\d{6})\b", read_sms_file(PHONE)[-1]["text"]).group(1)
    response = client.post(
        "/login/", {"action": "verify", "phone": PHONE, "code": code, "consent": "1"}
    )
    assert response.status_code == 302
    body = text(client.get("/cart/"))
    assert commerce.mask.name in body
    assert re.search(r'data-testid="line-quantity">2<', body)
    assert commerce.member.cart.lines.get().quantity == 2


# Checkout


def test_checkout_requires_login(client, commerce):
    response = client.get("/checkout/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/checkout/"


def test_checkout_shows_stores_slots_and_totals_with_the_delivery_fee(client, commerce):
    client.force_login(commerce.member)
    add(client, commerce.tea_sku, 1)
    body = text(client.get("/checkout/"))
    assert commerce.near_store.name in body
    assert 'data-testid="slot"' in body
    assert re.search(r'data-testid="total-pickup">¥59\.00<', body)
    assert re.search(r'data-testid="delivery-fee">¥6\.00<', body)
    assert re.search(r'data-testid="total-delivery">¥65\.00<', body)
    assert "余额支付" in body and "¥1,000.00" in body


def test_changing_the_store_loads_its_slots(client, commerce):
    client.force_login(commerce.member)
    near = text(client.get("/checkout/slots/", {"store": commerce.near_store.public_id}))
    assert 'data-testid="slot"' in near
    far = text(client.get("/checkout/slots/", {"store": commerce.far_store.public_id}))
    assert 'data-testid="no-slots"' in far  # no opening hours set


def test_pickup_checkout_paid_from_balance_shows_the_pickup_code_and_qr(
    client, commerce, django_capture_on_commit_callbacks
):
    client.force_login(commerce.member)
    add(client, commerce.mask_10, 2)
    add(client, commerce.tea_sku, 1)
    slot = next_slot()
    form = checkout_form(client, store=commerce.near_store.public_id, pickup_slot=slot.isoformat())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/checkout/", form)
    order = Order.objects.get(shopper=commerce.member)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.public_id}/"
    assert order.status == Order.Status.PAID
    assert order.total == commerce.mask_10.price * 2 + commerce.tea_sku.price
    assert not commerce.member.cart.lines.exists()  # bought lines leave the cart
    body = text(client.get(response["Location"]))
    assert "已付款" in body
    code = order.pickup_code.code
    assert f"{code[:4]} {code[4:]}" in body
    assert 'data-testid="pickup-qr"' in body and "<svg" in body
    assert commerce.near_store.name in body
    assert f"{slot:%m-%d %H:%M}" in body
    assert 'hx-trigger="every 2s"' not in body  # nothing left to wait for


def test_gateway_checkout_redirects_to_the_gateway_and_the_order_polls_while_pending(
    client, commerce
):
    client.force_login(commerce.member)
    add(client, commerce.tea_sku, 1)
    form = checkout_form(
        client,
        provider="sandbox_gateway",
        store=commerce.near_store.public_id,
        pickup_slot=next_slot().isoformat(),
    )
    response = client.post("/checkout/", form)
    assert response.status_code == 302
    assert "/sandbox-gateway/checkout/" in response["Location"]
    order = Order.objects.get(shopper=commerce.member)
    assert order.status == Order.Status.PENDING_PAYMENT
    body = text(client.get(f"/orders/{order.public_id}/"))
    assert "待付款" in body and "去支付" in body and "取消订单" in body
    assert f'hx-get="/orders/{order.public_id}/status/"' in body
    assert 'hx-trigger="every 2s"' in body
    fragment = text(client.get(f"/orders/{order.public_id}/status/"))
    assert "<html" not in fragment and "待付款" in fragment


def test_submitting_the_same_checkout_form_twice_places_one_order(
    client, commerce, django_capture_on_commit_callbacks
):
    client.force_login(commerce.member)
    add(client, commerce.tea_sku, 1)
    form = checkout_form(
        client, store=commerce.near_store.public_id, pickup_slot=next_slot().isoformat()
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post("/checkout/", form)
    assert not commerce.member.cart.lines.exists()
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post("/checkout/", form)
    assert first["Location"] == second["Location"]
    assert Order.objects.filter(shopper=commerce.member).count() == 1


def test_submitting_checkout_with_an_empty_cart_is_refused(client, commerce):
    client.force_login(commerce.member)
    response = client.post(
        "/checkout/", {"token": "fresh-token", "kind": "pickup", "provider": "balance"}
    )
    assert response.status_code == 422
    assert "购物车是空的" in text(response)
    assert not Order.objects.exists()


def test_a_slot_outside_opening_hours_is_refused_with_a_message_and_no_order(client, commerce):
    client.force_login(commerce.member)
    add(client, commerce.tea_sku, 1)
    form = checkout_form(
        client, store=commerce.near_store.public_id, pickup_slot="2020-01-01T10:00:00+08:00"
    )
    response = client.post("/checkout/", form)
    assert response.status_code == 422
    assert "自提时间需在未来" in text(response)
    assert not Order.objects.exists()


def test_a_missing_slot_and_a_missing_address_are_named(client, commerce):
    client.force_login(commerce.member)
    add(client, commerce.tea_sku, 1)
    response = client.post("/checkout/", checkout_form(client, store=commerce.near_store.public_id))
    assert response.status_code == 422
    assert "请选择自提时间段" in text(response)
    response = client.post(
        "/checkout/",
        checkout_form(client, kind="delivery", store=commerce.near_store.public_id),
    )
    assert response.status_code == 422
    assert "请选择收货地址" in text(response)
    assert not Order.objects.exists()


def test_more_than_the_store_holds_is_refused_and_nothing_is_reserved(client, commerce):
    client.force_login(commerce.member)
    add(client, commerce.mask_20, 5)  # only 3 on the shelf
    form = checkout_form(
        client, store=commerce.near_store.public_id, pickup_slot=next_slot().isoformat()
    )
    response = client.post("/checkout/", form)
    assert response.status_code == 409
    assert "库存不足" in text(response)
    assert not Order.objects.exists()
    assert commerce.location.levels.get(sku=commerce.mask_20).reserved == 0


def test_delivery_checkout_charges_the_delivery_fee(client, commerce):
    from omniretail.web.tests.test_delivery_pages import address_for

    client.force_login(commerce.member)
    add(client, commerce.tea_sku, 1)
    form = checkout_form(
        client,
        kind="delivery",
        provider="sandbox_gateway",
        store=commerce.near_store.public_id,
        address_id=address_for(commerce.member).public_id,
    )
    client.post("/checkout/", form)
    order = Order.objects.get()
    assert order.fulfilment == "delivery" and str(order.delivery_fee) == "6.00"
    assert str(order.total) == "65.00"


# Orders


def test_orders_list_shows_the_shoppers_orders_only(client, commerce, other_merchant_staff):
    mine = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 1)])
    client.force_login(commerce.member)
    body = text(client.get("/orders/"))
    assert mine.number in body and "待付款" in body
    client.force_login(other_merchant_staff)
    assert mine.number not in text(client.get("/orders/"))
    assert client.get(f"/orders/{mine.public_id}/").status_code == 404


def test_shopper_cancels_a_pending_order_and_the_stock_is_free_again(client, commerce):
    order = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 2)])
    client.force_login(commerce.member)
    response = client.post(f"/orders/{order.public_id}/cancel/")
    assert response.status_code == 302
    body = text(client.get(f"/orders/{order.public_id}/"))
    assert "已取消" in body
    assert commerce.location.levels.get(sku=commerce.tea_sku).reserved == 0


def test_pay_again_on_a_pending_order_pays_from_balance(
    client, commerce, django_capture_on_commit_callbacks
):
    order = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 1)])
    client.force_login(commerce.member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/orders/{order.public_id}/pay/")
    assert response["Location"] == f"/orders/{order.public_id}/"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_cancelling_a_paid_order_is_refused_with_its_status(
    client, commerce, django_capture_on_commit_callbacks
):
    order = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 1)])
    pay_from_wallet(order, django_capture_on_commit_callbacks)
    client.force_login(commerce.member)
    response = client.post(f"/orders/{order.public_id}/cancel/")
    assert response.status_code == 409
    assert "已付款" in text(response)


def test_after_sales_request_with_a_photo(client, commerce, django_capture_on_commit_callbacks):
    from omniretail.testing.images import photo as real_photo

    order = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 2)])
    pay_from_wallet(order, django_capture_on_commit_callbacks)
    client.force_login(commerce.member)
    line = order.lines.get()
    page = text(client.get(f"/orders/{order.public_id}/after-sales/"))
    assert f'name="line_{line.public_id}"' in page
    photo = real_photo("PNG", "broken.png")
    response = client.post(
        f"/orders/{order.public_id}/after-sales/",
        {
            "kind": "refund_only",
            "reason": "包装破损",
            f"line_{line.public_id}": "1",
            "photos": photo,
        },
    )
    assert response.status_code == 302
    request = AfterSalesRequest.objects.get()
    assert request.lines == {str(line.pk): 1}
    assert str(request.amount) == "59.00"
    assert request.photos[0].startswith("after-sales/")
    body = text(client.get(f"/orders/{order.public_id}/"))
    assert "退款中" in body and "包装破损" in body


def test_after_sales_without_a_reason_is_refused_on_the_form(
    client, commerce, django_capture_on_commit_callbacks
):
    order = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 1)])
    pay_from_wallet(order, django_capture_on_commit_callbacks)
    client.force_login(commerce.member)
    line = order.lines.get()
    response = client.post(
        f"/orders/{order.public_id}/after-sales/",
        {"kind": "refund_only", "reason": " ", f"line_{line.public_id}": "1"},
    )
    assert response.status_code == 422
    assert "请填写售后原因" in text(response)
    assert not AfterSalesRequest.objects.exists()


# Me


def test_me_shows_the_notifications_with_an_unread_count(
    client, commerce, django_capture_on_commit_callbacks
):
    order = place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 1)])
    pay_from_wallet(order, django_capture_on_commit_callbacks)
    client.force_login(commerce.member)
    body = text(client.get("/me/"))
    assert re.search(r'data-testid="unread-count"[^>]*>1<', body)
    assert f"支付成功，订单 {order.number} 已付款。" in body
    assert "我的订单" in body
    opened = re.search(r'href="(/me/notifications/[^"/]+/)"', body)
    # the notice opens through the page that marks it read, then leads to the order
    resp = client.get(opened.group(1))
    assert resp.status_code == 302 and resp["Location"] == f"/orders/{order.public_id}/"


def test_the_buying_pages_speak_english_when_asked(client, commerce, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Add to cart" in text(client.get(f"/p/{commerce.mask.public_id}/"))
    add(client, commerce.tea_sku, 1)
    body = text(client.get("/cart/"))
    assert "Check out" in body and "Subtotal" in body
    assert "加入购物车" not in body and "去结算" not in body


def test_the_shoppers_order_list_costs_a_constant_number_of_queries(
    client, commerce, django_assert_max_num_queries
):
    for _ in range(5):
        place_order(commerce.member, commerce.near_store, [(commerce.tea_sku, 1)])
    client.force_login(commerce.member)
    with django_assert_max_num_queries(8):
        response = client.get("/orders/")
    assert text(response).count('data-testid="order-card"') == 5
