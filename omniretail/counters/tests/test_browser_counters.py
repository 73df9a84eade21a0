"""A real Chromium: the counter's kiosk screen (opened with a pairing link) shows the bays'
products and the QR; a phone-sized page from that QR buys, and the vend page follows the
device's report to completion. The scan became a lead, attached at login and converted
by the purchase."""

import re

import pytest
from playwright.sync_api import expect

from omniretail.counters import commands
from omniretail.counters import kiosk as kiosk_pass
from omniretail.counters.models import ScanLead, Vend
from omniretail.counters.tests.device import InProcessSim
from omniretail.testing.browser import shoot, sms_login

pytestmark = pytest.mark.browser


def test_kiosk_shows_products_and_a_phone_buys_from_it(
    live_server, transactional_db, counter_setup, browser, phone_page, screenshot
):
    setup = counter_setup
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    url = live_server.url

    kiosk_context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    try:
        kiosk = kiosk_context.new_page()
        assert kiosk.goto(f"{url}/counter/{setup.counter.code}/").status == 403
        pairing, _until = kiosk_pass.pairing_token(actor=setup.staff, counter=setup.counter)
        kiosk.goto(f"{url}/counter/{setup.counter.code}/pair/{pairing}/")
        kiosk.wait_for_url(f"{url}/counter/{setup.counter.code}/")
        products = kiosk.get_by_test_id("kiosk-product")
        expect(products).to_have_count(2)
        expect(products.first).to_contain_text(setup.sku.product.name)
        expect(kiosk.get_by_test_id("kiosk-qr").locator("svg")).to_be_visible()
        expect(kiosk.get_by_test_id("product-qr")).to_have_count(2)
        shoot(screenshot, kiosk, "counters-kiosk")
    finally:
        kiosk_context.close()

    phone = phone_page
    # the product's own QR on the kiosk slide
    phone.goto(f"{url}/counter/{setup.counter.code}/buy?src=qr&p={setup.sku.product.public_id}")
    expect(phone.get_by_test_id("bay-1")).to_contain_text("剩余 4 件")
    assert ScanLead.objects.filter(user__isnull=True).count() == 1
    phone.get_by_test_id("buy-1").click()
    phone.wait_for_url(re.compile(r"/login/\?next="))
    sms_login(phone, setup.member.phone)
    phone.wait_for_url(re.compile(r"/counter/HZ-001/buy"))
    phone.get_by_test_id("buy-1").click()
    phone.wait_for_url(re.compile(r"/counter/vends/"))
    expect(phone.get_by_test_id("vend-status")).to_have_text("开锁中")
    # Playwright's event loop owns this thread, so the async long-poll view cannot be
    # called through the test client here: hand the claimed commands to the device directly
    for command in commands.claim(counter=setup.counter):
        sim.handle(commands.wire(command))
    expect(phone.get_by_test_id("vend-status")).to_have_text("已完成", timeout=10_000)
    shoot(screenshot, phone, "counters-phone-vend")
    assert Vend.objects.get().taken == 1
    # the guest's scan became the member's at login, and the purchase converted it
    lead = ScanLead.objects.get(user=setup.member)
    assert lead.status == ScanLead.Status.CONVERTED and lead.product == setup.sku.product
