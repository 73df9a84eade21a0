"""A real Chromium reviews: a member whose till sale is completed logs in by SMS code, rates
a line on the order page, and the product page then shows the stars and the review."""

import pytest
from playwright.sync_api import expect

from omniretail.orders.services import ring_up_sale
from omniretail.testing.browser import shoot, sms_login
from omniretail.web.tests.test_browser_commerce import PHONE

pytestmark = pytest.mark.browser


def test_member_rates_a_completed_line_and_the_product_page_shows_it(
    live,
    commerce,
    phone_page,
    screenshot,
):
    order = ring_up_sale(
        staff=commerce.staff,
        store=commerce.near_store,
        lines=[(commerce.mask_10, 1)],
        shopper=commerce.member,
    )
    url, page = live.url, phone_page

    page.goto(f"{url}/orders/{order.public_id}/")
    sms_login(page, PHONE)
    page.wait_for_url(f"**/orders/{order.public_id}/")
    form = page.get_by_test_id("review-form")
    form.get_by_label("4 星").check()
    form.get_by_label("评价内容（选填）").fill("补水效果不错")
    shoot(screenshot, page, "reviews-1-form")
    form.get_by_test_id("review-submit").click()

    expect(page.get_by_text("感谢您的评价！")).to_be_visible()
    expect(page.get_by_test_id("my-rating")).to_have_text("★★★★☆")
    expect(page.get_by_test_id("review-form")).to_have_count(0)

    page.goto(f"{url}/p/{commerce.mask.public_id}/")
    expect(page.get_by_test_id("rating-summary")).to_have_text("4.0 分 · 1 条评价")
    expect(page.get_by_test_id("review")).to_contain_text("补水效果不错")
    shoot(screenshot, page, "reviews-2-product")
