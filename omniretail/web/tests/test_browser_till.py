"""A real Chromium at the till on a desktop screen (seed 003's counter flow): the shopper
opens their member code (会员码) on the phone, the clerk scans two units of a SKU whose rule
pays 1 point for one and 3 for two, scans the member code, sees the tier discount and the
points, takes cash with change; the receipt shows 3 offline points and the member's wallet
holds them."""

import pytest
from playwright.sync_api import expect

from omniretail.accounts.models import User
from omniretail.inventory import services as inventory
from omniretail.loyalty import members, selectors
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import Member
from omniretail.testing.browser import shoot, sms_login, staff_login

pytestmark = pytest.mark.browser
PHONE = "13900000088"


def test_a_clerk_sells_two_units_to_a_member_for_cash_and_the_receipt_shows_3_points(
    live_server,
    transactional_db,
    merchant,
    merchant_staff,
    store,
    sku,
    desktop_page,
    phone_page,
    screenshot,
    settings,
):
    settings.OMNI_EVENTS_DELIVERY = "inline"
    settings.OMNI_OTP_RESEND_SECONDS = 0
    location = inventory.location_for_store(store)
    inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=10)
    loyalty.set_earn_rule(
        org=merchant, kind="per_item", points=1, tiers={"1": 1, "2": 3}, target="offline"
    )
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 10}])
    shopper = User.objects.create(username=f"m{PHONE}", phone=PHONE, display_name="会员")
    members.activate(user=shopper, org=merchant)
    Member.objects.filter(user=shopper).update(tier="金卡")
    offline = loyalty.merchant_asset_code(merchant)

    # the shopper opens the member code on the phone
    phone = phone_page
    phone.goto(live_server.url + "/me/member-code/")
    sms_login(phone, PHONE)
    phone.wait_for_url("**/me/member-code/")
    code = phone.get_by_test_id("member-code-text").inner_text().strip()
    shoot(screenshot, phone, "till-member-code")

    # the clerk scans two units and the member code at the till
    page = desktop_page
    staff_login(page, live_server.url, merchant_staff.username)
    page.goto(f"{live_server.url}/merchant/till/?store={store.public_id}")
    for _unit in range(2):
        barcode = page.get_by_test_id("barcode")
        expect(barcode).to_be_focused()  # the scanner types into it without a click
        page.keyboard.type(sku.code)
        page.keyboard.press("Enter")
        page.wait_for_load_state()
    expect(page.get_by_test_id("line-quantity")).to_have_value("2")
    page.get_by_test_id("barcode").fill(code)
    page.get_by_test_id("barcode").press("Enter")
    expect(page.get_by_test_id("member-tier")).to_have_text("金卡")
    # 2 x 39.90 = 79.80, 10 % off 7.98: 71.82 due, 3 of the merchant's points
    expect(page.get_by_test_id("discount-line")).to_contain_text("-¥7.98")
    expect(page.get_by_test_id("total")).to_have_text("¥71.82")
    expect(page.get_by_test_id("points-preview")).to_contain_text("+3")
    box = page.get_by_test_id("member-panel").bounding_box()
    assert box["x"] > 683  # the member and totals sit right of the lines, using the width

    page.get_by_test_id("cash-tendered").fill("50")
    expect(page.get_by_test_id("change-preview")).to_have_text("还差 ¥21.82")
    page.get_by_test_id("pay-cash").click()
    expect(page.get_by_test_id("error")).to_contain_text("实收 ¥50.00 少于应收 ¥71.82")
    page.get_by_test_id("cash-tendered").fill("100")
    expect(page.get_by_test_id("change-preview")).to_have_text("找零 ¥28.18")
    shoot(screenshot, page, "till-sale")
    page.get_by_test_id("pay-cash").click()

    page.wait_for_url("**/merchant/till/receipts/**")
    expect(page.get_by_test_id("sale-done")).to_contain_text("找零 ¥28.18")
    expect(page.get_by_test_id("receipt-points")).to_contain_text(f"{merchant.name}积分")
    expect(page.get_by_test_id("receipt-points")).to_contain_text("+3")
    expect(page.get_by_test_id("receipt-total")).to_have_text("¥71.82")
    shoot(screenshot, page, "till-receipt")
    page.emulate_media(media="print")
    assert page.locator(".receipt").bounding_box()["width"] < 320  # 80 mm on paper
    page.emulate_media(media="screen")

    # the member's wallet holds the 3 offline points
    phone.goto(live_server.url + "/me/points/")
    expect(phone.locator(f'[data-asset="{offline}"]')).to_contain_text("3")
    assert selectors.balance(shopper, offline) == 3

    page.goto(f"{live_server.url}/merchant/till/shift/?store={store.public_id}")
    expect(page.get_by_test_id("cash-expected")).to_have_text("¥71.82")
    shoot(screenshot, page, "till-shift")

    # the receipt as a PDF, then one of the two units comes back for cash
    page.go_back()
    pdf = page.request.get(
        live_server.url + page.get_by_test_id("receipt-pdf").get_attribute("href")
    )
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF-")
    page.get_by_test_id("refund-link").click()
    page.get_by_test_id("refund-quantity").fill("1")
    page.get_by_test_id("refund-submit").click()
    page.wait_for_url("**/merchant/till/receipts/**")
    expect(page.get_by_test_id("drawer-note")).to_contain_text("¥35.91")
    expect(page.get_by_test_id("receipt-refund")).to_contain_text("-¥35.91")
    shoot(screenshot, page, "till-refund")
    page.goto(f"{live_server.url}/merchant/till/shift/?store={store.public_id}")
    expect(page.get_by_test_id("cash-expected")).to_have_text("¥35.91")
