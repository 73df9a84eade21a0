"""A real Chromium returns picked-up goods: the shopper asks for 退货退款 on the order page, the
clerk agrees in the console, and nothing moves; the shopper types the courier's tracking
number, still nothing moves; the clerk confirms the goods arrived intact, and only then is
the mask back on the shelf and the money back in the shopper's wallet."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from omniretail.inventory.models import StockLevel
from omniretail.orders.pickup import redeem_pickup_code
from omniretail.payments.selectors import wallet_balance
from omniretail.testing.browser import shoot, sms_login, staff_login
from omniretail.web.tests.factories import pay_from_wallet, place_order
from omniretail.web.tests.test_browser_commerce import PHONE

pytestmark = pytest.mark.browser


def test_a_return_moves_stock_and_money_only_after_the_store_confirms_receipt(
    live, commerce, browser, phone_page, screenshot, django_capture_on_commit_callbacks
):
    order = place_order(commerce.member, commerce.near_store, [(commerce.mask_10, 2)])
    order = pay_from_wallet(order, django_capture_on_commit_callbacks)
    redeem_pickup_code(staff=commerce.staff, store=commerce.near_store, code=order.pickup_code.code)

    def shelf() -> int:
        return StockLevel.objects.get(location=commerce.location, sku=commerce.mask_10).on_hand

    def money() -> Decimal:
        return wallet_balance(commerce.member)

    on_shelf, before = shelf(), money()
    url, page = live.url, phone_page
    order_url = f"{url}/orders/{order.public_id}/"

    # The shopper asks to return one of the two masks.
    page.goto(order_url)
    sms_login(page, PHONE)
    page.wait_for_url(order_url)
    page.get_by_test_id("after-sales").click()
    page.get_by_label("退货退款").check()
    page.get_by_label(f"{commerce.mask.name} · 10 片装").fill("1")
    page.get_by_label("原因").fill("买多了，未拆封")
    page.get_by_test_id("submit-after-sales").click()
    page.wait_for_url(order_url)
    expect(page.get_by_test_id("after-sales-status")).to_have_text("待处理")

    # The clerk agrees: the goods are still at the shopper's, so nothing moves yet.
    staff = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    try:
        desk = staff.new_page()
        staff_login(desk, url, "clerk")
        desk_url = f"{url}/merchant/orders/{order.public_id}/"
        desk.goto(desk_url)
        desk.get_by_test_id("approve").click()
        expect(desk.get_by_test_id("return-info")).to_have_text("等待买家寄回商品。")
        assert (shelf(), money()) == (on_shelf, before)

        # The shopper ships it back with a tracking number: still nothing moves.
        page.goto(order_url)
        expect(page.get_by_test_id("after-sales-status")).to_have_text("待寄回")
        form = page.get_by_test_id("return-form")
        form.get_by_label("快递寄回").check()
        form.get_by_label("快递公司").select_option("顺丰速运")
        form.get_by_label("快递单号").fill("SF1234567890")
        shoot(screenshot, page, "returns-1-ship-back")
        form.get_by_test_id("send-return").click()
        expect(page.get_by_test_id("return-sent")).to_contain_text("顺丰速运 SF1234567890")
        expect(page.get_by_test_id("after-sales-status")).to_have_text("待商家收货")
        assert (shelf(), money()) == (on_shelf, before)

        # The clerk receives the parcel, finds it intact and confirms: now stock and refund.
        desk.goto(desk_url)
        expect(desk.get_by_test_id("return-info")).to_have_text("买家已寄回：顺丰速运 SF1234567890")
        desk.get_by_test_id("resellable").check()
        shoot(screenshot, desk, "returns-2-store-receives")
        desk.get_by_test_id("receive").click()
        expect(desk.get_by_test_id("refunded")).to_have_text("¥39.90")
    finally:
        staff.close()
    assert shelf() == on_shelf + 1
    assert money() == before + Decimal("39.90")

    page.goto(order_url)
    expect(page.get_by_test_id("after-sales-status")).to_have_text("已退款")
    shoot(screenshot, page, "returns-3-refunded")

    # 我的 counts the order under 退款·售后, and the tab lists it.
    page.goto(f"{url}/me/")
    shoot(screenshot, page, "returns-4-me")
    page.get_by_test_id("order-row-after_sales").click()
    expect(page.get_by_test_id("order-card")).to_have_count(1)
    expect(page.get_by_test_id("refund-note")).to_have_text("已退款 ¥39.90")
    shoot(screenshot, page, "returns-5-after-sales-tab")
