"""A real Chromium picks a spec: the values that lead only to sold-out combinations are
disabled, the chosen combination's price, stock and picture show, and 加入购物车 puts that
SKU in the cart."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from omniretail.catalog import media, specs
from omniretail.catalog.models import Sku
from omniretail.core import uploads
from omniretail.inventory import services as inventory
from omniretail.merchandising import services as merchandising
from omniretail.testing.images import photo

pytestmark = pytest.mark.browser


def test_the_spec_picker_chooses_a_combination_and_adds_that_sku(live, commerce, browser):
    tee = commerce.mask
    specs.set_specs(
        actor=commerce.maker,
        product=tee,
        attributes=[
            {"name": "颜色", "values": ["米白", "藏青"]},
            {"name": "尺码", "values": ["M", "L"]},
        ],
        price="79.00",
    )
    navy_l = Sku.objects.get(product=tee, name="藏青 / L")
    specs.update_sku(actor=commerce.maker, sku=navy_l, price="89.00")
    for name, quantity in (("米白 / M", 5), ("藏青 / L", 2)):
        inventory.receive_stock(
            actor=commerce.staff,
            location=commerce.location,
            sku=Sku.objects.get(product=tee, name=name),
            quantity=quantity,
        )
    stored = [i for i, _new in uploads.save_images([photo(name="c.jpg")], folder="products")]
    media.add_images(actor=commerce.maker, product=tee, images=stored)
    stored = [
        i
        for i, _new in uploads.save_images([photo(name="n.jpg", size=(80, 60))], folder="products")
    ]
    (navy_picture,) = media.add_images(actor=commerce.maker, product=tee, images=stored, sku=navy_l)

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live.url}/p/{tee.public_id}/")
        expect(page.get_by_test_id("spec-picker")).to_be_visible()
        expect(page.get_by_test_id("sku-list")).to_be_hidden()
        picker = page.get_by_test_id("spec-picker")
        expect(picker.get_by_role("button", name="米白")).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_test_id("spec-status")).to_have_text("有货 5 件")
        picker.get_by_role("button", name="米白").click()  # let go of the colour
        expect(page.get_by_test_id("spec-status")).to_have_text("请选择规格")
        expect(page.get_by_test_id("add-to-cart")).to_be_disabled()
        picker.get_by_role("button", name="L").click()
        expect(picker.get_by_role("button", name="米白")).to_be_disabled()  # 米白 / L: none
        picker.get_by_role("button", name="藏青").click()
        expect(picker.get_by_role("button", name="M")).to_be_disabled()  # 藏青 / M: none
        expect(page.get_by_test_id("spec-status")).to_have_text("有货 2 件")
        expect(page.get_by_test_id("price")).to_have_text("¥89.00")
        first = page.locator(".gallery-slide img").first
        expect(first).to_have_attribute("src", uploads.photo_url(navy_picture.name))
        page.get_by_test_id("add-to-cart").click()
        page.wait_for_url("**/cart/")
        expect(page.get_by_text("藏青 / L")).to_be_visible()
    finally:
        context.close()


def test_the_struck_through_price_follows_the_combination_on_special(live, commerce, browser):
    """A special on one combination: its price and struck-through list price show for that
    combination only; another combination shows its own price and no 原价."""
    tee = commerce.mask
    specs.set_specs(
        actor=commerce.maker,
        product=tee,
        attributes=[{"name": "颜色", "values": ["米白", "藏青"]}],
        price="79.00",
    )
    white, navy = (Sku.objects.get(product=tee, name=n) for n in ("米白", "藏青"))
    specs.update_sku(actor=commerce.maker, sku=navy, price="89.00")
    for sku in (white, navy):
        inventory.receive_stock(
            actor=commerce.staff, location=commerce.location, sku=sku, quantity=3
        )
    now = timezone.now()
    merchandising.create_special(
        actor=commerce.maker,
        sku=white,
        price="59.00",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{live.url}/p/{tee.public_id}/")
        picker = page.get_by_test_id("spec-picker")
        was = page.locator(".prices .was")
        expect(page.get_by_test_id("price")).to_have_text("¥59.00")
        expect(was).to_be_visible()
        expect(was).to_contain_text("¥79.00")
        picker.get_by_role("button", name="藏青").click()
        expect(page.get_by_test_id("price")).to_have_text("¥89.00")
        expect(was).to_be_hidden()
        expect(page.get_by_test_id("special-countdown")).to_be_hidden()
        picker.get_by_role("button", name="米白").click()
        expect(page.get_by_test_id("price")).to_have_text("¥59.00")
        expect(was).to_be_visible()
        expect(was).to_contain_text("¥79.00")
    finally:
        context.close()
