"""A real Chromium at 390 × 844 delivers in the same city: the shopper adds an address from
checkout (placed by the street name), buys for delivery and pays from the balance; the
clerk, riding, accepts on the rider page, picks up, sets off and delivers with the code
the shopper's order page shows; the shopper sees the rider and the timeline and confirms
receipt."""

import re

import pytest
from playwright.sync_api import expect

from omniretail.orders.models import Delivery, Order
from omniretail.testing.browser import shoot, sms_login, staff_login
from omniretail.web.tests.test_browser_commerce import PHONE, add_to_cart

pytestmark = pytest.mark.browser


def test_a_shopper_adds_an_address_buys_for_delivery_and_the_rider_delivers(
    live, commerce, browser, phone_page, screenshot
):
    url, page = live.url, phone_page
    commerce.staff.display_name = "王师傅"
    commerce.staff.phone = "13912345678"
    commerce.staff.save()

    # The shopper buys the tea for delivery; there is no address yet, so one is added.
    add_to_cart(page, url, commerce.offer, "TEA-250")
    page.get_by_test_id("go-checkout").click()
    page.wait_for_url(re.compile(r"/login/\?next="))
    sms_login(page, PHONE)
    page.wait_for_url("**/checkout/")
    page.locator("label", has=page.get_by_test_id("kind-delivery")).click()
    page.get_by_test_id("new-address").click()
    page.wait_for_url("**/me/addresses/new/**")
    page.get_by_label("收货人").fill("张三")
    page.get_by_label("手机号").fill("13800138000")
    page.get_by_test_id("district").select_option("上城区")
    page.get_by_test_id("detail").fill("湖滨路 20 号 3 单元")
    shoot(screenshot, page, "delivery-1-address")
    page.get_by_test_id("save-address").click()
    page.wait_for_url("**/checkout/?kind=delivery")
    expect(page.get_by_test_id("address-choice")).to_be_checked()
    expect(page.get_by_test_id("store-reach")).to_contain_text("湖滨便利 · 湖滨店：距离")
    expect(page.get_by_test_id("delivery-fee")).to_have_text("¥6.00")
    page.get_by_test_id("provider-balance").check()
    shoot(screenshot, page, "delivery-2-checkout")
    page.get_by_test_id("submit-order").click()
    page.wait_for_url("**/orders/*/")
    order = Order.objects.get(shopper=commerce.member)
    assert order.delivery_address["address"] == "上城区湖滨路 20 号 3 单元"
    expect(page.get_by_test_id("delivery-status")).to_have_text("待接单")
    code = page.get_by_test_id("delivery-code").inner_text()

    # The clerk rides: accept, picked up, on the way, delivered with the shopper's code.
    riding = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    try:
        rider = riding.new_page()
        staff_login(rider, url, "clerk")
        rider.goto(url + "/rider/")
        card = rider.locator(f'[data-order="{order.public_id}"]')
        card.get_by_test_id("rider-accept").click()
        expect(card.get_by_test_id("rider-status")).to_have_text("骑手已接单")
        card.get_by_test_id("rider-pick-up").click()
        card.get_by_test_id("rider-set-off").click()
        expect(card.get_by_test_id("rider-status")).to_have_text("配送中")
        shoot(screenshot, rider, "delivery-3-rider")
        card.get_by_test_id("rider-code").fill(code)
        card.get_by_test_id("rider-deliver").click()
        expect(card.get_by_test_id("rider-status")).to_have_text("已送达")
    finally:
        riding.close()
    assert Delivery.objects.get(order=order).status == Delivery.Status.DELIVERED

    # The shopper sees who brought it and when, and confirms receipt.
    page.reload()
    expect(page.get_by_test_id("delivery-status")).to_have_text("已送达")
    expect(page.get_by_test_id("rider")).to_have_text("王师傅 139****5678")
    expect(page.get_by_test_id("delivery-timeline").locator("li")).to_have_count(4)
    shoot(screenshot, page, "delivery-4-delivered")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("status")).to_have_text("已完成")
