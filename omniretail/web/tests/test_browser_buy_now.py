"""A real Chromium with a granted position buys now: the checkout preselects the store with
the goods nearest to the shopper (by the lake), not the one nearest to the city centre."""

import pytest
from playwright.sync_api import expect

from omniretail.inventory import services as inventory
from omniretail.testing.browser import sms_login
from omniretail.web.tests.test_browser_commerce import PHONE

pytestmark = pytest.mark.browser


def test_buy_now_preselects_the_stocked_store_nearest_to_the_browsers_position(
    live, commerce, browser, merchant_staff
):
    far = inventory.location_for_store(commerce.far_store)
    inventory.receive_stock(actor=merchant_staff, location=far, sku=commerce.mask_10, quantity=5)
    lat, lon = commerce.near_point
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": lat, "longitude": lon},
        permissions=["geolocation"],
    )
    try:
        page = context.new_page()
        page.goto(f"{live.url}/login/")
        sms_login(page, PHONE)
        page.wait_for_url("**/me/")
        page.goto(f"{live.url}/p/{commerce.mask.public_id}/")
        page.get_by_test_id("sku-MASK-10").check()
        page.get_by_test_id("buy-now").click()
        page.wait_for_url("**/checkout/**")
        assert f"lat={lat:.6f}" in page.url
        expect(page.get_by_test_id("store")).to_have_value(commerce.near_store.public_id)
    finally:
        context.close()
