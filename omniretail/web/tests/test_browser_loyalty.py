"""A real Chromium converts offline points: the shopper logs in by SMS code, opens the
points wallet, types an amount and sees the live preview, passes the OTP step-up and
converts; the wallet then shows the platform points and the remainder left offline. The
platform's operator then settles a month of those points between merchants."""

import re

import pytest
from playwright.sync_api import expect

from omniretail.accounts.models import User
from omniretail.core.sms import read_sms_file
from omniretail.loyalty import exchange, selectors, services
from omniretail.loyalty.models import Statement
from omniretail.loyalty.tests.fixtures import month_fixture  # noqa: F401  (fixture)
from omniretail.testing.browser import shoot, sms_login, staff_login

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


def test_the_operator_settles_a_month_of_points_between_merchants(
    live_server,
    transactional_db,
    month,
    platform_staff,
    merchant,
    other_merchant,
    desktop_page,
    screenshot,
):
    """商家积分结算 in a real Chromium at a desktop's width: the operator issues last month's
    statements, and records each bank transfer on its row until the month is cleared."""
    page = desktop_page
    staff_login(page, live_server.url, platform_staff.username)
    page.goto(f"{live_server.url}/ops/finance/points-statements/?month={month:%Y-%m}")
    expect(page.get_by_test_id("statements")).to_contain_text("该月暂无结算单")
    page.get_by_test_id("build").click()
    expect(page.get_by_role("status").first).to_contain_text("新出具 2 张结算单")
    expect(page.get_by_test_id("statement-row")).to_have_count(2)
    expect(page.get_by_test_id("to-collect")).to_contain_text("¥30.00 / ¥0.00")
    expect(page.get_by_test_id("settled-count")).to_have_text("0 / 2")

    owes = page.get_by_test_id("statement-row").filter(has_text=merchant.name)
    expect(owes).to_contain_text("商家付给平台")
    owes.get_by_test_id("settle").click()  # no transfer number: the browser asks for it
    assert owes.get_by_test_id("reference").evaluate("field => field.validity.valueMissing")
    expect(page.get_by_test_id("settled-count")).to_have_text("0 / 2")
    owes.get_by_test_id("reference").fill("工行 2026 1203 0001")
    owes.get_by_test_id("settle").click()
    expect(page.get_by_role("status").first).to_contain_text("已登记结清")
    expect(owes.get_by_test_id("status")).to_contain_text("已结清 · 工行 2026 1203 0001")
    expect(page.get_by_test_id("settled-count")).to_have_text("1 / 2")
    expect(page.get_by_test_id("progress")).to_have_attribute("aria-valuenow", "50")

    owed = page.get_by_test_id("statement-row").filter(has_text=other_merchant.name)
    expect(owed).to_contain_text("平台付给商家")
    owed.get_by_test_id("reference").fill("招行 77")
    owed.get_by_test_id("settle").click()
    expect(page.get_by_test_id("settled-count")).to_have_text("2 / 2")
    expect(page.get_by_test_id("to-pay")).to_contain_text("¥30.00 / ¥30.00")
    shoot(screenshot, page, "loyalty-points-statements")
    settled = Statement.objects.filter(month=month, status=Statement.Status.SETTLED)
    assert sorted(settled.values_list("transfer_reference", flat=True)) == [
        "工行 2026 1203 0001",
        "招行 77",
    ]
