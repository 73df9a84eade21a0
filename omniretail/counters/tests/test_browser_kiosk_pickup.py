"""A real Chromium at the counter's screen: the shopper switches the code pad to 取车, types
the pickup code of a repaired vehicle on the screen's keys and sees the lock open; the counter
releases the vehicle and reports it gone, and the ticket is collected."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from omniretail.counters import kiosk as kiosk_pass
from omniretail.counters import repairs
from omniretail.counters.models import RepairTicket
from omniretail.counters.sim import CounterSim
from omniretail.counters.tests.device import InProcessSim

pytestmark = pytest.mark.browser


def test_the_pad_switched_to_pickup_collects_a_repaired_vehicle(
    live_server, transactional_db, counter_setup, browser
):
    setup = counter_setup
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    ticket = repairs.book_repair(
        shopper=setup.member,
        counter=setup.counter,
        vehicle_serial="YD2024EV0001",
        plate="",
        fault="刹车异响",
        photos=[],
        drop_off_at=timezone.now() + timedelta(hours=1),
    )
    repairs.check_in(shopper=setup.member, ticket=ticket, scanned=setup.counter.code)
    while ticket.step != RepairTicket.Step.RETURNED:
        repairs.advance_repair(actor=setup.staff, ticket=ticket, step=ticket.next_step)

    context = browser.new_context(viewport={"width": 1080, "height": 1920}, locale="zh-CN")
    try:
        page = context.new_page()
        pairing, _until = kiosk_pass.pairing_token(actor=setup.staff, counter=setup.counter)
        page.goto(f"{live_server.url}/counter/{setup.counter.code}/pair/{pairing}/")
        pad = page.get_by_test_id("code-pad")
        page.get_by_test_id("pad-mode-pickup").click()
        expect(page.get_by_test_id("pad-mode-pickup")).to_have_attribute("aria-checked", "true")
        expect(page.get_by_test_id("code-submit")).to_have_text("取车")
        for digit in ticket.pickup_code:
            pad.locator(f'.key[data-key="{digit}"]').click()
        page.get_by_test_id("code-submit").click()
        expect(page.get_by_test_id("pickup-ok")).to_contain_text("YD2024EV0001")
    finally:
        context.close()
    # the counter over HTTP (the long poll is an async view, and Playwright's event loop runs
    # in this thread): the release is acknowledged, then vehicle_left
    device = CounterSim(
        base_url=live_server.url, token=setup.token, command_key=setup.key, log=lambda _l: None
    )
    device.start()
    assert device.poll(0) == 1
    ticket.refresh_from_db()
    assert ticket.step == RepairTicket.Step.COLLECTED
