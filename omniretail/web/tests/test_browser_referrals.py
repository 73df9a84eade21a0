"""A real Chromium shares and buys: shopper A logs in by SMS code and shares a product;
shopper B opens A's link as a guest, logs in by SMS code and buys; the clerk hands the goods
over; once the return window has passed (the worker's sweep), A's 分享返利 page shows the
rebate and A's messages say how much and why. A forged link is refused on the way."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from omniretail.accounts.models import User
from omniretail.orders.models import Order
from omniretail.orders.pickup import redeem_pickup_code
from omniretail.referrals.models import ShareVisit
from omniretail.referrals.rewards import credit_due_rewards
from omniretail.testing.browser import shoot, sms_login

pytestmark = pytest.mark.browser
SHARER_PHONE = "13900000001"
BUYER_PHONE = "13800138000"  # the `commerce` member, with ¥1000 in the wallet


@pytest.fixture
def live(live, settings):
    settings.OMNI_RETURN_WINDOW_DAYS = 7
    return live


def test_a_friend_buys_through_a_shared_link_and_the_sharer_gets_the_rebate(
    live, commerce, browser, phone_page, screenshot
):
    url = live.url
    product_url = f"{url}/p/{commerce.mask.public_id}/"
    User.objects.create(username=f"m{SHARER_PHONE}", phone=SHARER_PHONE, display_name="分享人A")

    # A opens the product, is asked to log in to share, logs in by SMS code and shares.
    sharer = phone_page
    sharer.goto(product_url)
    sharer.get_by_test_id("share-login").click()
    sms_login(sharer, SHARER_PHONE)
    sharer.wait_for_url(product_url)
    sharer.get_by_test_id("share-button").click()
    expect(sharer.get_by_test_id("share-points")).to_contain_text("10 平台积分")
    expect(sharer.get_by_test_id("share-qr").locator("svg")).to_be_visible()
    link = sharer.get_by_test_id("share-url").input_value()
    assert re.fullmatch(rf"{re.escape(url)}/s/[A-Za-z0-9_-]{{42}}/", link)
    shoot(screenshot, sharer, "referrals-1-share")

    buyer_context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    try:
        buyer = buyer_context.new_page()
        # A link altered on the way is refused, and nothing is recorded.
        forged = link[:-5] + ("x" if link[-5] != "x" else "y") + link[-4:]
        assert buyer.goto(forged).status == 422
        expect(buyer.get_by_test_id("error-message")).to_contain_text("无效或已被篡改")
        assert ShareVisit.objects.count() == 0

        # B opens the genuine link as a guest, buys now, logs in by SMS code, pays.
        buyer.goto(link)
        buyer.wait_for_url(product_url)
        expect(buyer.get_by_role("status").first).to_contain_text("好友分享")
        buyer.get_by_test_id("sku-MASK-10").check()
        buyer.get_by_test_id("buy-now").click()
        buyer.wait_for_url(re.compile(r"/login/\?next="))
        sms_login(buyer, BUYER_PHONE)
        buyer.wait_for_url(re.compile(r"/checkout/"))
        # the store's slots are swapped in by htmx: choose one only once they have arrived
        with buyer.expect_response(re.compile(r"/checkout/slots/")):
            buyer.get_by_test_id("store").select_option(commerce.near_store.public_id)
        buyer.locator(".slot").nth(1).click()
        expect(buyer.get_by_test_id("slot").nth(1)).to_be_checked()
        buyer.get_by_test_id("provider-balance").check()
        buyer.get_by_test_id("submit-order").click()
        buyer.wait_for_url(re.compile(r"/orders/[0-9a-z]{26}/"))
        expect(buyer.get_by_test_id("status")).to_have_text("已付款", timeout=10_000)
        shoot(screenshot, buyer, "referrals-2-friend-paid")
    finally:
        buyer_context.close()

    # The clerk hands the goods over; A's rebate is pending until the return window ends.
    order = Order.objects.get(shopper=commerce.member)
    redeem_pickup_code(staff=commerce.staff, store=commerce.near_store, code=order.pickup_code.code)
    sharer.goto(f"{url}/me/referrals/")
    expect(sharer.get_by_test_id("earning-status")).to_have_text("待结算")
    expect(sharer.get_by_test_id("pending-rebates")).to_have_text("¥1.19")

    assert credit_due_rewards(now=timezone.now() + timedelta(days=6)) == 0
    assert credit_due_rewards(now=timezone.now() + timedelta(days=8)) == 1  # the worker's sweep

    sharer.reload()
    expect(sharer.get_by_test_id("earning-status")).to_have_text("已到账")
    expect(sharer.get_by_test_id("earning-amount")).to_have_text("¥1.19")
    expect(sharer.get_by_test_id("cash-rebates")).to_have_text("¥1.19")
    shoot(screenshot, sharer, "referrals-3-rebate-credited")
    sharer.goto(f"{url}/me/")
    notice = sharer.get_by_test_id("notification").filter(has_text="分享返利到账")
    expect(notice).to_contain_text("¥1.19")
    expect(notice).to_contain_text(order.number)
