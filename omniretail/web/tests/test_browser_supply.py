"""A real Chromium runs the channel's first steps: the producer uploads goods in its portal,
the management centre approves them in the review queue, the producer sees them approved,
the region adds them to its offer and a retailer orders them."""

import pytest
from playwright.sync_api import expect

from omniretail.catalog import services as catalog
from omniretail.conftest import make_staff
from omniretail.supply.models import PurchaseOrder
from omniretail.testing.browser import shoot, staff_login

pytestmark = pytest.mark.browser


def staff_page(browser, url: str, username: str):
    context = browser.new_context(viewport={"width": 420, "height": 900}, locale="zh-CN")
    page = context.new_page()
    staff_login(page, url, username)
    return context, page


def test_producer_uploads_platform_approves_region_selects_retailer_orders(
    live, browser, screenshot, platform_staff, producer_staff, region, merchant_staff, store
):
    url = live.url
    catalog.create_category(actor=platform_staff, name="粮油", slug="grain-oil")
    make_staff(region, "west-ops")
    contexts = []
    try:
        ctx, maker = staff_page(browser, url, "maker")
        contexts.append(ctx)
        maker.goto(url + "/supply/")
        maker.wait_for_url("**/supply/producer/")
        form = maker.get_by_test_id("upload-form")
        form.get_by_label("商品名称").fill("有机高山茶油")
        form.get_by_label("SKU 编码").fill("OIL-500")
        form.get_by_label("建议零售价").fill("120.00")
        form.get_by_label("出厂批发价").fill("60.00")
        form.get_by_label("区域批发价上限").fill("80.00")
        form.get_by_label("起订量").fill("10")
        maker.get_by_test_id("upload-submit").click()
        expect(maker.get_by_test_id("offer-status")).to_have_text("待审核")
        shoot(screenshot, maker, "supply-1-uploaded")

        ctx, ops = staff_page(browser, url, "ops")
        contexts.append(ctx)
        ops.goto(url + "/supply/review/")
        item = ops.get_by_test_id("review-item")
        expect(item).to_contain_text("有机高山茶油")
        item.get_by_label("首页推荐").check()
        item.get_by_test_id("approve").click()
        expect(ops.get_by_test_id("review-queue")).to_contain_text("没有待审核的商品")

        maker.reload()
        expect(maker.get_by_test_id("offer-status")).to_have_text("已上架")
        shoot(screenshot, maker, "supply-2-approved")

        ctx, west = staff_page(browser, url, "west-ops")
        contexts.append(ctx)
        west.goto(url + "/supply/region/")
        west.get_by_label("区域批发价").fill("70.00")
        west.get_by_test_id("select-offer").click()
        expect(west.get_by_test_id("region-offers")).to_contain_text("已选，区域价 ¥70.00")

        ctx, clerk = staff_page(browser, url, "clerk")
        contexts.append(ctx)
        clerk.goto(url + "/supply/retailer/")
        clerk.get_by_test_id("qty").fill("100")
        clerk.get_by_test_id("place-po").click()
        expect(clerk.get_by_test_id("po-status")).to_have_text("待确认")
        expect(clerk.get_by_test_id("po")).to_contain_text("¥7,000.00")
        shoot(screenshot, clerk, "supply-3-purchase-order")
    finally:
        for ctx in contexts:
            ctx.close()
    order = PurchaseOrder.objects.get()
    assert order.store == store and order.lines.get().quantity == 100
