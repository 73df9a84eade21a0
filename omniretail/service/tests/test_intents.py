"""The assistant's intents answer from the member's own data: the pickup code of a paid
pickup order, the order's status, the points in each wallet, today's hours of the
merchant's stores; a signed-out caller is asked to sign in."""

import pytest

from omniretail.loyalty import services as loyalty
from omniretail.service import assistant

pytestmark = pytest.mark.django_db


def test_my_pickup_code_and_where_my_order_is_come_from_my_paid_order(
    place_order, pay, wallet, shopper, platform, settings
):
    settings.OMNI_EVENTS_DELIVERY = "inline"  # paid: the pickup code is issued at once
    order = pay(place_order())

    code = assistant.answer(text="我的提貨碼是多少", shopper=shopper)
    status = assistant.answer(text="我的订单到哪了", shopper=shopper)

    assert code.intent == "pickup_code"
    assert order.pickup_code.code in code.text and order.store.name in code.text
    assert status.intent == "order_status"
    assert order.number in status.text and "已付款" in status.text
    assert {"title": order.number, "url": f"/orders/{order.public_id}/"} in status.links


def test_my_points_lists_each_wallet(shopper, platform):
    loyalty.award_points(
        user=shopper,
        asset_code=loyalty.PLATFORM_POINTS,
        points=800,
        reason="体验积分",
        idempotency_key="intent-test",
    )

    reply = assistant.answer(text="我还有多少积分", shopper=shopper)

    assert reply.intent == "points" and "800 分" in reply.text


def test_store_hours_are_todays_hours_of_the_merchants_stores(store, merchant, platform):
    reply = assistant.answer(text="你们几点开门", organization=merchant)

    assert reply.intent == "store_hours"
    assert f"{store.name}：24 小时营业" in reply.text


def test_a_signed_out_caller_is_asked_to_sign_in_for_their_own_data(platform):
    reply = assistant.answer(text="我的积分余额")

    assert reply.intent == "points" and "请先登录" in reply.text
