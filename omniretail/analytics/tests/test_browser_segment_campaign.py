"""A merchant in a real Chromium defines "bought 茶 in the last 90 days, not in the last 30",
previews and saves it, and sends it a coupon and an SMS: the member who lapsed from tea gets
both, the one who bought tea lately and the one who never did get neither, and a member who
withdrew marketing consent gets the coupon but no SMS, counted as excluded."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from omniretail.analytics import campaigns
from omniretail.analytics.models import RuleSegment
from omniretail.analytics.tests.conftest import make_member
from omniretail.analytics.tests.test_purchase_rules import buy, make_sku
from omniretail.catalog.models import Category
from omniretail.core.sms import read_sms_file
from omniretail.loyalty.models import Coupon, CouponTemplate
from omniretail.testing.browser import staff_login

pytestmark = pytest.mark.browser


def test_a_merchant_sends_a_coupon_and_an_sms_to_members_who_lapsed_from_tea(
    live, browser, store, merchant_staff
):
    m = store.merchant
    tea = make_sku(m, Category.objects.create(name="茶", slug="tea"), "西湖龙井")
    nuts = make_sku(m, Category.objects.create(name="零食", slug="snacks"), "每日坚果")
    lapsed = make_member(m, "13700000201", "老茶客")
    recent = make_member(m, "13700000202", "新茶客")
    never = make_member(m, "13700000203", "不喝茶")
    opted_out = make_member(m, "13700000204", "退订客")
    buy(store, lapsed, tea, 45)
    buy(store, recent, tea, 10)
    buy(store, never, nuts, 45)
    buy(store, opted_out, tea, 60)
    campaigns.opt_out(campaigns.optout_link(m.pk, opted_out.user_id).rsplit("/", 2)[-2])
    CouponTemplate.objects.create(
        org=m, name="茶叶回购券", kind="amount", amount_off=Decimal("20"), valid_days=30
    )

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        staff_login(page, live.url, merchant_staff.username)
        page.goto(f"{live.url}/merchant/analytics/members/")
        form = page.get_by_test_id("define-segment")
        form.get_by_test_id("rule-name").fill("茶叶回流")
        form.get_by_test_id("rule-bought").select_option(label="茶")
        form.get_by_test_id("rule-bought-days").fill("90")
        form.get_by_test_id("rule-not-bought").select_option(label="茶")
        form.get_by_test_id("rule-not-bought-days").fill("30")
        form.get_by_test_id("rule-preview").click()
        expect(page.get_by_test_id("preview")).to_contain_text("符合条件的会员：2 人")

        page.get_by_test_id("rule-save").click()  # the preview kept the form filled
        segments = page.get_by_test_id("rule-segments")
        expect(segments).to_contain_text("近 90 天内买过「茶」；近 30 天内没买过「茶」")
        key = RuleSegment.objects.get(merchant=m, name="茶叶回流").key
        expect(page.get_by_test_id(f"size-{key}")).to_have_text("2")

        page.get_by_test_id(f"send-{key}").click()
        expect(page.locator("body")).to_contain_text("已发放 2 张")
        holders = {c.user.phone for c in Coupon.objects.select_related("user")}
        assert holders == {"13700000201", "13700000204"}

        page.get_by_test_id("sms-segment").select_option(label="茶叶回流")
        page.get_by_test_id("sms-text-input").fill("新茶到店，凭券立减 20 元。")
        page.get_by_test_id("sms-send").click()
        expect(page.get_by_test_id("sms-progress")).to_have_attribute("data-status", "done")
        expect(page.get_by_test_id("sms-sent")).to_have_text("1")
        expect(page.get_by_test_id("sms-excluded")).to_have_text("1")
    finally:
        context.close()
    assert [sms["phone"] for sms in read_sms_file()] == ["13700000201"]
