"""A real Chromium: a new shopper scans a packaging code after an offline purchase, logs in
by SMS code (becoming a member), claims the points; a second scan is told kindly; a forged
code is refused. The shopper then redeems a points good for pickup and the clerk hands it
over on the merchant's 核销 page."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from omniretail.accounts.models import User
from omniretail.codes import services as codes
from omniretail.codes.models import CodeBatch
from omniretail.inventory import services as inventory
from omniretail.pointsmall import services as pointsmall
from omniretail.pointsmall.models import Redemption
from omniretail.testing.browser import shoot, sms_login, staff_login

pytestmark = pytest.mark.browser
NEW_PHONE = "13912345678"


def test_a_new_shopper_scans_claims_points_and_redeems_them_for_pickup(
    live, shop, merchant, merchant_staff, browser, phone_page, screenshot
):
    mask = shop.mask.skus.order_by("price").first()
    location = inventory.location_for_store(shop.near_store)
    inventory.receive_stock(actor=merchant_staff, location=location, sku=mask, quantity=3)
    good = pointsmall.create_good(
        actor=merchant_staff,
        merchant=merchant,
        sku=mask,
        title="补水面膜 积分兑换",
        points_price=40,
        stores=[shop.near_store],
    )
    batch = codes.order_batch(
        actor=shop.maker, producer=shop.producer, sku=mask, quantity=5, points_per_scan=50
    )
    token = batch.codes.get(serial=1).token
    scan_url = codes.scan_url(token)
    page = phone_page

    # A forged code is refused plainly.
    forged = scan_url[:-3] + ("x" if scan_url[-3] != "x" else "y") + scan_url[-2:]
    assert page.goto(forged).status == 404
    expect(page.get_by_test_id("error-message")).to_contain_text("二维码无效")

    # The genuine code: log in by SMS code as a new member, come back, claim.
    page.goto(scan_url)
    expect(page.get_by_test_id("scan-card")).to_contain_text("玻尿酸补水面膜")
    shoot(screenshot, page, "codes-1-scan-guest")
    page.get_by_test_id("scan-login").click()
    sms_login(page, NEW_PHONE)
    page.wait_for_url(scan_url)
    assert User.objects.filter(phone=NEW_PHONE).exists()
    page.get_by_test_id("claim-button").click()
    expect(page.get_by_test_id("scan-points")).to_have_text("+50")
    expect(page.get_by_test_id("points-balance")).to_contain_text("50")
    shoot(screenshot, page, "codes-2-scan-claimed")

    # Scanning it again awards nothing and says so kindly.
    page.goto(scan_url)
    expect(page.get_by_test_id("scan-refused")).to_contain_text("您已在")
    expect(page.get_by_test_id("claim-button")).to_have_count(0)

    # Redeem a points good for pickup at the near store.
    page.goto(live.url + "/points-mall/")
    expect(page.get_by_test_id("mall-balance")).to_contain_text("50")
    page.get_by_test_id("points-good").filter(has_text="补水面膜 积分兑换").click()
    expect(page.get_by_test_id("store-choice")).to_contain_text("余 3 件")
    page.get_by_test_id("redeem-button").click()
    page.wait_for_url(re.compile(r"/me/vouchers/[0-9a-z]{26}/$"))
    code = page.get_by_test_id("voucher-code").inner_text().strip()
    assert re.fullmatch(r"\d{8}", code)
    expect(page.get_by_test_id("voucher-qr").locator("svg")).to_be_visible()
    shoot(screenshot, page, "pointsmall-1-voucher")
    assert Redemption.objects.get().good == good

    # The clerk redeems the voucher on the merchant's pickup page.
    desk_context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    try:
        desk = desk_context.new_page()
        staff_login(desk, live.url, "clerk")
        desk.goto(f"{live.url}/merchant/redeem/?store={shop.near_store.public_id}")
        desk.get_by_test_id("code").fill(code)
        desk.get_by_test_id("redeem").click()
        expect(desk.get_by_test_id("redeem-success")).to_contain_text("核销成功")
        shoot(screenshot, desk, "pointsmall-2-clerk-redeems")
    finally:
        desk_context.close()

    page.reload()
    expect(page.get_by_test_id("voucher-status")).to_have_text("已核销")
    page.goto(live.url + "/points-mall/")
    expect(page.get_by_test_id("mall-balance")).to_contain_text("10")


def test_a_producer_orders_a_batch_and_watches_the_progress_bar_fill(
    live, shop, browser, screenshot, monkeypatch
):
    # The worker is held back, so the page is seen waiting before the job runs.
    monkeypatch.setattr(
        codes,
        "_generate_task",
        lambda: type("Held", (), {"enqueue": staticmethod(lambda batch_id: None)}),
    )
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        staff_login(page, live.url, "maker")
        page.get_by_test_id("producer-codes").click()
        page.get_by_test_id("batch-sku").select_option(label="玻尿酸补水面膜 · 10 片装")
        page.get_by_test_id("batch-quantity").fill("3000")
        page.get_by_test_id("batch-submit").click()
        page.wait_for_url(re.compile(r"/producer/codes/[0-9a-z]{26}/$"))
        expect(page.get_by_test_id("batch-status")).to_contain_text("排队中 · 0%")
        shoot(screenshot, page, "codes-3-batch-queued")

        batch = CodeBatch.objects.get()
        codes.generate_batch(batch_id=batch.pk, chunk=500)  # the worker's job

        expect(page.get_by_test_id("batch-status")).to_contain_text("已完成 · 100%")
        expect(page.get_by_test_id("batch-progress")).to_contain_text("已生成 3000 / 3000")
        expect(page.get_by_test_id("download-pdf")).to_contain_text("共 56 页")
        with page.expect_download() as download:
            page.get_by_test_id("download-csv").click()
        rows = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
        assert rows[0] == "serial,url" and len(rows) == 3001
        assert rows[1].startswith(f"1,{live.url}/q/")
        shoot(screenshot, page, "codes-4-batch-ready")
    finally:
        context.close()
