"""A real Chromium converts offline points: the shopper logs in by SMS code, opens the
points wallet, types an amount and sees the live preview, passes the OTP step-up and
converts; the wallet then shows the platform points and the remainder left offline."""

import re

import pytest
from playwright.sync_api import expect

from omniretail.accounts.models import User
from omniretail.core.sms import read_sms_file
from omniretail.loyalty import exchange, selectors, services
from omniretail.testing.browser import shoot, sms_login

pytestmark = pytest.mark.browser
PHONE = "13900000077"


def test_a_shopper_converts_offline_points_through_the_page(
    live_server, transactional_db, merchant, phone_page, screenshot, settings
):
    settings.OMNI_OTP_RESEND_SECONDS = 0
    shopper = User.objects.create(username=f"m{PHONE}", phone=PHONE, display_name="会员")
    offline = services.merchant_asset_code(merchant)
    services.award_points(
        user=shopper, asset_code=offline, points=125, reason="门店消费", idempotency_key="o"
    )
    exchange.set_exchange_rule(org=merchant, offline=10, platform=1, daily_limit=1000)

    page = phone_page
    page.goto(live_server.url + "/me/points/")
    sms_login(page, PHONE)
    page.wait_for_url("**/me/points/")
    expect(page.locator(f'[data-asset="{offline}"]')).to_contain_text("125")
    page.get_by_test_id("exchange-link").click()

    page.get_by_test_id("offline-points").fill("125")
    expect(page.get_by_test_id("preview-result")).to_contain_text("12")
    expect(page.get_by_test_id("preview-result")).to_contain_text("5 商家积分留在原账户")
    page.get_by_test_id("send-code").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", read_sms_file(PHONE)[-1]["text"]).group(1)
    page.get_by_test_id("otp").fill(code)
    shoot(screenshot, page, "loyalty-exchange")
    page.get_by_test_id("convert").click()

    page.wait_for_url("**/me/points/")
    expect(page.get_by_role("status").first).to_contain_text("兑换 12 平台积分")
    expect(page.locator('[data-asset="PTS:PLATFORM"]')).to_contain_text("12")
    expect(page.locator(f'[data-asset="{offline}"]')).to_contain_text("5")
    shoot(screenshot, page, "loyalty-wallet")
    assert selectors.balance(shopper, services.PLATFORM_POINTS) == 12
