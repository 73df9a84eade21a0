"""A real Chromium on a phone-sized screen clicks through the shop: search, product,
nearby stores with a granted position, and the language switch."""

import re

import pytest
from playwright.sync_api import expect

from omniretail.testing.browser import shoot

pytestmark = pytest.mark.browser


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
