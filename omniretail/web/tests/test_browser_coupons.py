"""A real Chromium on a phone-sized page: a 金卡 member holding a coupon checks out, sees the
tier discount and the coupon taken off (and the total follow when the coupon is changed),
pays on the sandbox gateway, and the paid order explains the discount."""

import pytest
from playwright.sync_api import expect

from omniretail.earning import tiers
from omniretail.loyalty import coupons, members
from omniretail.loyalty.models import Coupon
from omniretail.orders.models import Order
from omniretail.payments.sandbox_gateway import gateway
from omniretail.testing.browser import shoot, sms_login
from omniretail.web.tests.test_browser_commerce import PHONE, add_to_cart

pytestmark = pytest.mark.browser


def test_a_member_with_a_coupon_checks_out_sees_the_discount_and_pays(
    live,
    commerce,
    phone_page,
    screenshot,
):
    merchant = commerce.near_store.merchant
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 5}])
    members.activate(user=commerce.member, org=merchant)
    tiers.recompute_tiers()
    template = coupons.define_template(
        org=merchant, name="满50减8", kind="amount", amount_off="8", min_spend="50"
    )
    coupon = coupons.issue_coupon(
        template=template, user=commerce.member, source="staff", idempotency_key="browser"
    )
    url, page = live.url, phone_page

    # Two masks (¥79.80) in the cart; checkout asks to log in by SMS.
    add_to_cart(page, url, commerce.mask, "MASK-10")
    page.get_by_test_id("cart-line").first.get_by_test_id("plus").click()
    expect(page.get_by_test_id("subtotal")).to_have_text("¥79.80")
    page.get_by_test_id("go-checkout").click()
    sms_login(page, PHONE)
    page.wait_for_url("**/checkout/")

    # The tier's 5% and the coupon come off: 79.80 - 3.99 - 8.00.
    expect(page.get_by_test_id("discount-tier")).to_contain_text("-¥3.99")
    expect(page.get_by_test_id("discount-coupon")).to_contain_text("满50减8")
    expect(page.get_by_test_id("total-pickup")).to_have_text("¥67.81")
    page.get_by_test_id("coupon").select_option("")
    expect(page.get_by_test_id("discount-coupon")).to_have_count(0)
    expect(page.get_by_test_id("total-pickup")).to_have_text("¥75.81")
    page.get_by_test_id("coupon").select_option(coupon.public_id)
    expect(page.get_by_test_id("total-pickup")).to_have_text("¥67.81")
    page.locator(".slot").nth(1).click()
    shoot(screenshot, page, "coupons-1-checkout")

    # Pay on the sandbox gateway.
    page.get_by_test_id("submit-order").click()
    page.wait_for_url("**/sandbox-gateway/checkout/**")
    expect(page.get_by_test_id("amount")).to_have_text("¥67.81")
    page.get_by_test_id("pay").click()
    expect(page.get_by_test_id("status")).to_have_text("支付成功")
    assert gateway.wait_for_deliveries(timeout=10)
    page.get_by_test_id("return").click()
    expect(page.get_by_test_id("status")).to_have_text("已付款")
    expect(page.get_by_test_id("order-discount-tier")).to_contain_text("-¥3.99")
    expect(page.get_by_test_id("order-discount-coupon")).to_contain_text("-¥8.00")
    expect(page.get_by_test_id("order-total")).to_have_text("¥67.81")
    shoot(screenshot, page, "coupons-2-order-paid")

    order = Order.objects.get(shopper=commerce.member)
    assert order.status == Order.Status.PAID
    assert Coupon.objects.get(pk=coupon.pk).order_id == order.public_id
