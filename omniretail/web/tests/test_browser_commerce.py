"""A real Chromium buys and picks up: a shopper fills a cart, logs in by SMS code, books a
pickup slot, pays on the sandbox gateway (whose signed callback reaches the live server),
and sees the pickup QR appear; a clerk redeems the code in the merchant console; the
shopper's order then reads 已完成."""

import re

import pytest
from playwright.sync_api import expect

from omniretail.orders.models import Order
from omniretail.payments.sandbox_gateway import gateway
from omniretail.testing.browser import shoot, sms_login, staff_login

pytestmark = pytest.mark.browser
PHONE = "13800138000"


def add_to_cart(page, url: str, product, sku_code: str) -> None:
    page.goto(url + f"/p/{product.public_id}/")
    page.get_by_test_id(f"sku-{sku_code}").check()
    page.get_by_test_id("add-to-cart").click()
    page.wait_for_url("**/cart/")


def test_shopper_buys_for_pickup_pays_and_the_clerk_hands_over(
    live, commerce, browser, phone_page, screenshot
):
    url, page = live.url, phone_page

    # The shopper fills the cart as a guest.
    add_to_cart(page, url, commerce.mask, "MASK-10")
    add_to_cart(page, url, commerce.offer, "TEA-250")
    expect(page.get_by_test_id("cart-line")).to_have_count(2)
    page.get_by_test_id("cart-line").first.get_by_test_id("plus").click()
    expect(page.get_by_test_id("line-quantity").first).to_have_text("2")
    expect(page.get_by_test_id("subtotal")).to_have_text("¥138.80")
    expect(page.get_by_test_id("can-fulfil").first).to_be_visible()
    shoot(screenshot, page, "commerce-1-cart")

    # Checkout asks to log in; the cart comes along.
    page.get_by_test_id("go-checkout").click()
    page.wait_for_url(re.compile(r"/login/\?next="))
    sms_login(page, PHONE)
    page.wait_for_url("**/checkout/")
    expect(page.get_by_test_id("checkout-line")).to_have_count(2)
    expect(page.get_by_test_id("store")).to_have_value(commerce.near_store.public_id)
    page.locator(".slot").nth(1).click()
    expect(page.get_by_test_id("total-pickup")).to_have_text("¥138.80")
    shoot(screenshot, page, "commerce-2-checkout")

    # Pay on the gateway's page, with the order page open in another tab meanwhile.
    page.get_by_test_id("submit-order").click()
    page.wait_for_url("**/sandbox-gateway/checkout/**")
    expect(page.get_by_test_id("amount")).to_have_text("¥138.80")
    shoot(screenshot, page, "commerce-3-gateway")
    order = Order.objects.get(shopper=commerce.member)
    order_url = f"{url}/orders/{order.public_id}/"
    watcher = page.context.new_page()
    watcher.goto(order_url)
    expect(watcher.get_by_test_id("status")).to_have_text("待付款")
    expect(watcher.get_by_test_id("pickup-qr")).to_have_count(0)

    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("status")).to_have_text("支付成功")
    assert gateway.wait_for_deliveries(timeout=10)

    # The open order page turns paid by itself (polling) and shows the code and the QR.
    expect(watcher.get_by_test_id("status")).to_have_text("已付款", timeout=10_000)
    expect(watcher.get_by_test_id("pickup-qr").locator("svg")).to_be_visible()
    code = re.sub(r"\D", "", watcher.get_by_test_id("pickup-code").inner_text())
    assert code == Order.objects.get(pk=order.pk).pickup_code.code
    watcher.close()

    # The gateway's link leads back to the same order.
    page.get_by_test_id("return").click()
    page.wait_for_url(order_url)
    expect(page.get_by_test_id("status")).to_have_text("已付款")
    shoot(screenshot, page, "commerce-4-order-paid-with-qr")

    # The clerk logs in with a password in another browser and redeems the code.
    staff = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    try:
        desk = staff.new_page()
        staff_login(desk, url, "clerk")
        desk.get_by_test_id("merchant-console").click()
        desk.wait_for_url("**/merchant/")
        desk.get_by_test_id("store-picker").select_option(commerce.near_store.public_id)
        desk.wait_for_url(re.compile(rf"/merchant/\?store={commerce.near_store.public_id}"))
        expect(desk.get_by_test_id("pickup-due")).to_have_count(1)
        expect(desk.get_by_test_id("orders-chart").locator(".main-svg").first).to_be_visible()
        shoot(screenshot, desk, "commerce-5a-merchant-dashboard")
        desk.get_by_test_id("nav-redeem").click()
        desk.get_by_test_id("code").fill(f"{code[:4]} {code[4:]}")
        desk.get_by_test_id("redeem").click()
        expect(desk.get_by_test_id("redeem-success")).to_contain_text("核销成功")
        expect(desk.get_by_test_id("redeemed-line")).to_have_count(2)
        shoot(screenshot, desk, "commerce-5b-merchant-redeem")
    finally:
        staff.close()

    # The shopper's order is completed.
    page.goto(order_url)
    expect(page.get_by_test_id("status")).to_have_text("已完成")
    expect(page.get_by_test_id("timeline")).to_contain_text("到店自提，已核销")
    shoot(screenshot, page, "commerce-6-order-completed")
