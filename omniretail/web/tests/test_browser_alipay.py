"""A shopper pays an order with 支付宝 in a browser: checkout offers every enabled provider,
the signed WAP request leads to the Alipay sandbox's cashier, 确认付款 there notifies the
shop (signed, over HTTP), and 返回商户 leads back to the paid order."""

import re

import pytest
from playwright.sync_api import expect

from omniretail.orders.models import Order
from omniretail.sandbox_alipay import notify
from omniretail.sandbox_alipay.models import Notification, Trade
from omniretail.testing.browser import shoot, sms_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, databases="__all__")]


def test_shopper_checks_out_with_alipay_pays_on_the_cashier_and_returns_to_a_paid_order(
    live, commerce, phone_page, screenshot
):
    url, page = live.url, phone_page
    page.goto(url + f"/p/{commerce.mask.public_id}/")
    page.get_by_test_id("sku-MASK-10").check()
    page.get_by_test_id("add-to-cart").click()
    page.wait_for_url("**/cart/")
    page.get_by_test_id("go-checkout").click()
    page.wait_for_url(re.compile(r"/login/\?next="))
    sms_login(page, "13800138000")
    page.wait_for_url("**/checkout/")
    page.locator(".slot").nth(1).click()

    # Every enabled provider is offered; the shopper picks 支付宝.
    for testid in ("provider-gateway", "provider-alipay", "provider-balance"):
        expect(page.get_by_test_id(testid)).to_be_visible()
    page.get_by_text("支付宝", exact=True).click()
    expect(page.get_by_test_id("provider-alipay")).to_be_checked()
    shoot(screenshot, page, "alipay-1-checkout")
    page.get_by_test_id("submit-order").click()

    page.wait_for_url("**/sandbox-alipay/cashier/**")
    order = Order.objects.get(shopper=commerce.member)
    expect(page.get_by_test_id("amount")).to_have_text(f"¥{order.total}")
    shoot(screenshot, page, "alipay-2-cashier")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("status")).to_have_text("支付成功")
    assert notify.wait_for_deliveries(timeout=10)
    assert Notification.objects.get().acknowledged
    assert Trade.objects.get().out_trade_no == order.payment_intent_id

    page.get_by_test_id("return").click()
    page.wait_for_url(re.compile(rf"/orders/{order.public_id}/"))
    expect(page.get_by_test_id("status")).to_have_text("已付款")
    shoot(screenshot, page, "alipay-3-order-paid")
    order.refresh_from_db()
    assert order.payment_provider == "alipay" and order.status == Order.Status.PAID
