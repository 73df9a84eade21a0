"""Consoles sized for their device (issue 17 item 10): on a desktop a console was the phone
column stretched to 960 px with a bottom tab bar, and an operator's /ops/ page had the
shopper's tab bar (首页, 分类, 购物车). Operators now get their own navigation on every /ops/
page, at the side on a desktop, and the page uses the screen's width."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from omniretail.testing.browser import shoot, staff_login
from omniretail.web.console import OPS_NAV


@pytest.mark.django_db
def test_every_ops_page_shows_the_operators_navigation_and_each_entry_opens(client, platform_staff):
    client.force_login(platform_staff)
    for name, _label in OPS_NAV:
        page = client.get(reverse(name))
        assert page.status_code == 200, name
        html = page.content.decode()
        assert 'data-testid="ops-nav"' in html and 'aria-current="page"' in html, name
        assert reverse("web:cart") not in html, name  # not the shopper's tab bar
        assert 'class="app console' in html, name


@pytest.mark.django_db
def test_a_shopper_is_not_shown_the_operators_navigation(client, shopper):
    client.force_login(shopper)
    page = client.get(reverse("web:ops_analytics"))
    assert b'data-testid="ops-nav"' not in page.content


@pytest.mark.browser
def test_on_a_desktop_a_console_has_a_side_navigation_and_uses_the_width(
    live_server, transactional_db, platform_staff, browser, screenshot
):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        staff_login(page, live_server.url, platform_staff.username)
        page.goto(live_server.url + reverse("web:ops_top_ups"))
        nav = page.get_by_test_id("ops-nav")
        expect(nav).to_be_visible()
        side = nav.bounding_box()
        main = page.locator("main").bounding_box()
        assert side["x"] < 10 and side["width"] < 260 and side["height"] >= 700
        assert main["x"] >= side["width"] - 1 and main["width"] > 1000
        shoot(screenshot, page, "console-desktop-ops")

        page.set_viewport_size({"width": 390, "height": 844})  # the same page on a phone
        bar = nav.bounding_box()
        assert bar["y"] > 700 and bar["width"] >= 380  # back at the bottom, across
    finally:
        context.close()
