"""A real Chromium on a phone-sized screen clicks through the shop: search, product,
nearby stores with a granted position, and the language switch."""

import re

import pytest
from playwright.sync_api import expect

from omniretail.conftest import STAFF_PASSWORD
from omniretail.core.sms import read_sms_file

pytestmark = pytest.mark.browser


def shoot(screenshot, page, name: str) -> None:
    """Grow the viewport to the whole page first, so the sticky tab bar is drawn at the
    bottom of the picture instead of over the middle of a full-page capture."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": page.viewport_size["width"], "height": max(height, 844)})
    screenshot(page, name)
    page.set_viewport_size({"width": page.viewport_size["width"], "height": 844})


def staff_login(page, url: str, username: str) -> None:
    """Sign a staff member in with the password on the login page's staff tab."""
    page.goto(url + "/login/")
    page.get_by_test_id("staff-tab").click()
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/me/")


def sms_login(page, phone: str) -> None:
    """Sign a shopper in with the code the SMS file received."""
    page.get_by_label("手机号").fill(phone)
    page.get_by_role("button", name="获取验证码").click()
    expect(page.get_by_test_id("code-sent")).to_be_visible()
    code = re.search(r"\b(\d{6})\b", read_sms_file(phone)[-1]["text"]).group(1)
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="登录").click()


def test_shopper_searches_in_chinese_and_opens_the_product(
    live_server, transactional_db, shop, phone_page, screenshot
):
    page = phone_page
    page.goto(live_server.url + "/")
    expect(page.get_by_test_id("module-brand")).to_contain_text("品牌商品")
    shoot(screenshot, page, "web-home")

    page.get_by_label("搜索商品").fill("面膜")
    page.get_by_label("搜索商品").press("Enter")
    page.wait_for_url("**/search/?q=*")
    card = page.get_by_test_id("product-card").filter(has_text=shop.mask.name)
    expect(card).to_be_visible()
    shoot(screenshot, page, "web-search")

    card.click()
    page.wait_for_url(f"**/p/{shop.mask.public_id}/")
    expect(page.get_by_test_id("price")).to_have_text("¥39.90")
    expect(page.get_by_test_id("product-name")).to_have_text(shop.mask.name)
    shoot(screenshot, page, "web-product")


def test_nearby_page_uses_the_granted_position_and_lists_the_closest_store_first(
    live_server, transactional_db, shop, browser, screenshot
):
    lat, lon = shop.near_point
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": lat, "longitude": lon},
        permissions=["geolocation"],
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/nearby/")
        stores = page.get_by_test_id("store")
        expect(stores.first).to_contain_text(shop.near_store.name)
        expect(stores.first.get_by_test_id("distance")).to_have_text(re.compile(r"^\d+ 米$"))
        expect(page.get_by_test_id("fallback-notice")).to_have_count(0)
        expect(stores).to_have_count(2)
        shoot(screenshot, page, "web-nearby")
    finally:
        context.close()


def test_shopper_switches_the_shop_to_english(
    live_server, transactional_db, shop, phone_page, screenshot
):
    page = phone_page
    page.goto(live_server.url + "/")
    page.get_by_test_id("lang-en").click()
    expect(page.get_by_test_id("module-brand")).to_contain_text("Brand goods")
    expect(page.get_by_test_id("module-points")).to_contain_text("Points mall")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Nearby")
    shoot(screenshot, page, "web-home-en")

    page.get_by_test_id("module-brand").click()
    page.wait_for_url("**/categories/")
    expect(page.get_by_role("link", name=re.compile("^Beauty"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Skincare"))).to_be_visible()
    shoot(screenshot, page, "web-categories-en")
