"""A real Chromium at the counter's 1080 × 1920 portrait screen: product pictures, the
media and the 360° spin set through the API (a drag turns it), the idle loop's adverts one
after another on their schedule (each showing counted, a campaign not yet started never
shown), and a counter that falls silent turning offline with buying gone. Then an operator,
at a desktop, registers a counter on the console and issues its credential, with which the
reference simulator comes online."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from omniretail.counters import ads, demo_media, services
from omniretail.counters import kiosk as kiosk_pass
from omniretail.counters.models import AdCampaign, Counter
from omniretail.counters.sim import CounterSim
from omniretail.counters.tests.device import InProcessSim
from omniretail.testing.browser import shoot, staff_login

pytestmark = pytest.mark.browser


def campaign(setup, name, seconds, *, start=-1):
    now = timezone.now()
    return ads.create_campaign(
        actor=setup.staff,
        merchant=setup.counter.merchant,
        name=name,
        creative_files=[demo_media.ad_creative(title=name, lines=[])],
        starts_at=now + timedelta(hours=start),
        ends_at=now + timedelta(hours=start + 48),
        seconds=seconds,
    )


def test_kiosk_screen_media_spin_ads_and_offline(
    live_server, transactional_db, counter_setup, browser, screenshot
):
    setup = counter_setup
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    frames = demo_media.spin_frames(prefix="ebike", count=12)
    banner = demo_media.banner(title="新国标电动自行车", subtitle="扫码即买")
    services.set_content(
        actor=setup.staff,
        counter=setup.counter,
        content={"headline": "电动车自助购", "media": [banner], "spins": [frames]},
    )
    first, second = campaign(setup, "双十二 电动车节", 3), campaign(setup, "头盔加购", 4)
    later = campaign(setup, "春季试驾周", 3, start=24)
    url = live_server.url

    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    try:
        page = context.new_page()
        page.clock.install()
        pairing, _until = kiosk_pass.pairing_token(actor=setup.staff, counter=setup.counter)
        page.goto(f"{url}/counter/{setup.counter.code}/pair/{pairing}/")
        page.wait_for_url(f"{url}/counter/{setup.counter.code}/")
        expect(page.get_by_test_id("kiosk-state")).to_contain_text("在线")
        expect(page.get_by_test_id("kiosk-product")).to_have_count(2)
        expect(page.get_by_test_id("bay-stock").first).to_contain_text("剩余 4 件")
        qr = page.get_by_test_id("kiosk-qr").locator("svg")
        assert qr.bounding_box()["width"] >= 300  # a pay QR to scan from a step away
        for image in (page.get_by_test_id("kiosk-media"), page.get_by_test_id("spin-frame")):
            image.scroll_into_view_if_needed()
            expect(image).to_be_visible()
            assert image.evaluate("img => img.complete && img.naturalWidth > 0")

        # drag across the spin: it turns to another frame, and back again
        spin = page.get_by_test_id("spin-viewer")
        box = spin.bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + 100, y)
        page.mouse.down()
        page.mouse.move(box["x"] + 100 + box["width"] / 4, y, steps=8)
        page.mouse.up()
        turned = page.get_by_test_id("spin-frame").get_attribute("src")
        assert turned != frames[0] and turned in frames
        assert spin.get_attribute("data-frame") == str(frames.index(turned))
        # the whole screen fits the portrait panel, nothing below the fold
        assert page.evaluate("document.documentElement.scrollHeight") <= 1920
        screenshot(page, "counters-kiosk-portrait")

        # untouched for 30 s: the idle loop shows the running adverts in turn
        attract = page.get_by_test_id("attract")
        expect(attract).to_be_hidden()
        page.clock.run_for(31_000)
        expect(attract).to_be_visible()
        expect(attract.locator(f'img[data-ad="{first.public_id}"]')).to_be_visible()
        assert attract.locator(f'img[data-ad="{later.public_id}"]').count() == 0
        page.clock.run_for(3_000)
        expect(attract.locator(f'img[data-ad="{second.public_id}"]')).to_be_visible()
        expect(attract.locator(f'img[data-ad="{first.public_id}"]')).to_be_hidden()
        screenshot(page, "counters-kiosk-attract")
        page.clock.run_for(4_000)
        expect(attract.locator(f'img[data-ad="{first.public_id}"]')).to_be_visible()
        for _ in range(150):  # the reports are fetches the page sends on its own (15 s at most)
            counts = dict(AdCampaign.objects.values_list("name", "impressions"))
            if counts["双十二 电动车节"] >= 2 and counts["头盔加购"] >= 1:
                break
            time.sleep(0.1)
        assert counts == {"双十二 电动车节": 2, "头盔加购": 1, "春季试驾周": 0}
        page.mouse.click(540, 960)  # a touch ends the loop
        expect(attract).to_be_hidden()

        # the counter falls silent: on the next poll the screen says offline, buying gone
        Counter.objects.filter(pk=setup.counter.pk).update(
            last_seen_at=timezone.now() - timedelta(minutes=10)
        )
        page.clock.run_for(6_000)
        expect(page.get_by_test_id("kiosk-state")).to_contain_text("离线")
        expect(page.get_by_test_id("kiosk-qr")).to_have_count(0)
        expect(page.get_by_test_id("product-qr")).to_have_count(0)
        expect(page.get_by_test_id("code-submit")).to_be_disabled()
        expect(page.locator("#unlock-code")).to_be_disabled()
        screenshot(page, "counters-kiosk-offline")
        page.set_viewport_size({"width": 1920, "height": 1080})  # a landscape screen
        expect(page.get_by_test_id("kiosk-unavailable")).to_be_visible()
        screenshot(page, "counters-kiosk-landscape")
        assert page.evaluate("document.documentElement.scrollHeight") <= 1080
    finally:
        context.close()


def test_an_operator_registers_a_counter_and_its_credential_brings_the_simulator_online(
    live_server, transactional_db, counter_setup, browser, screenshot
):
    setup = counter_setup
    url = live_server.url
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        staff_login(page, url, setup.staff.username)
        page.goto(f"{url}/ops/counters/")
        page.get_by_test_id("new-counter").click()
        page.wait_for_url(f"{url}/ops/counters/new/")
        form = page.get_by_test_id("register-counter")
        form.get_by_label("服务门店").select_option(setup.store.public_id)
        form.get_by_label("柜号").fill("hz-wl-02")
        form.get_by_label("名称", exact=True).fill("武林银泰电动车柜")
        form.get_by_label("场地").fill("武林银泰 1F 东门")
        form.get_by_label("地址").fill("杭州市拱墅区武林广场1号")
        form.get_by_label("纬度").fill("30.2765")
        form.get_by_label("经度").fill("120.1641")
        page.get_by_test_id("bay-0-number").fill("1")
        page.get_by_test_id("bay-0-sku").fill(setup.sku.code)
        page.get_by_test_id("bay-1-number").fill("2")
        page.get_by_test_id("bay-1-sku").fill(setup.sku2.code)
        page.get_by_test_id("register").click()
        page.wait_for_url(f"{url}/ops/counters/HZ-WL-02/")
        expect(page.get_by_test_id("counter-status")).to_have_text("离线")
        expect(page.get_by_test_id("bays").locator("tr")).to_have_count(3)

        page.get_by_test_id("issue-credential").click()
        token = page.get_by_test_id("issued-token").inner_text().strip()
        key = page.get_by_test_id("issued-command-key").inner_text().strip()
        assert re.fullmatch(r"ck_[0-9a-f]{16}\.\S+", token)
        shoot(screenshot, page, "counters-ops-credential")

        device = CounterSim(base_url=url, token=token, command_key=key, log=lambda _l: None)
        device.start()
        status, _body = device.heartbeat()
        assert status == 200
        page.goto(f"{url}/ops/counters/HZ-WL-02/")
        expect(page.get_by_test_id("counter-status")).to_have_text("在线")
        assert token not in page.content()  # shown once
        assert Client().get(f"{url}/counter/HZ-WL-02/").status_code in (403, 404)
    finally:
        context.close()
