"""A real Chromium: the producer uploads goods with a real JPEG made by Pillow (NUL bytes,
EXIF with a location) through the supply form; once approved, the product page shows it in
its gallery (from a WebP copy, zoomable) and the category's card shows it. Bad files (not an
image, 50 MB, a 20,000 × 20,000 pixel bomb, a `../` name, an SVG with a script) are each
refused with the message on the photos field, the typed form kept, nothing stored."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from playwright.sync_api import expect

from omniretail.catalog import services as catalog
from omniretail.catalog.models import Product
from omniretail.supply import services as supply
from omniretail.testing.bad_images import not_an_image, oversized, pixel_bomb, svg_with_script
from omniretail.testing.browser import shoot, staff_login
from omniretail.testing.images import photo

pytestmark = pytest.mark.browser


def as_file(upload, name=None) -> dict:
    upload.seek(0)
    return {
        "name": name or upload.name,
        "mimeType": upload.content_type,
        "buffer": upload.read(),
    }


def fill(form) -> None:
    form.get_by_label("商品名称").fill("五常稻花香大米 5kg")
    form.get_by_label("SKU 编码").fill("RICE-5")
    form.get_by_label("建议零售价").fill("79.00")
    form.get_by_label("出厂批发价").fill("50.00")
    form.get_by_label("区域批发价上限").fill("60.00")


def stored() -> list[str]:
    return default_storage.listdir("products")[1] if default_storage.exists("products") else []


def test_producer_uploads_a_real_jpeg_it_shows_on_the_page_and_card_bad_files_are_refused(
    live, browser, screenshot, platform_staff, producer_staff, tmp_path
):
    url = live.url
    catalog.create_category(actor=platform_staff, name="粮油", slug="grain-oil")
    context = browser.new_context(viewport={"width": 420, "height": 900}, locale="zh-CN")
    try:
        page = context.new_page()
        staff_login(page, url, "maker")
        page.goto(url + "/supply/producer/")
        big = tmp_path / "big.jpg"
        big.write_bytes(oversized(50).read())
        bad_files = [
            as_file(not_an_image()),
            big,  # a path: Playwright sends no buffer over 50 MB
            as_file(pixel_bomb()),
            as_file(not_an_image(), name="../../settings.py"),
            as_file(svg_with_script()),
        ]
        for bad in bad_files:
            form = page.get_by_test_id("upload-form")
            fill(form)
            form.get_by_test_id("upload-photos").set_input_files(bad)
            page.get_by_test_id("upload-submit").click()
            expect(page.get_by_test_id("field-error")).to_be_visible()
            form = page.get_by_test_id("upload-form")
            expect(form.get_by_label("商品名称")).to_have_value("五常稻花香大米 5kg")
            expect(form.get_by_label("出厂批发价")).to_have_value("50.00")
            assert not Product.objects.filter(name="五常稻花香大米 5kg").exists(), bad
            assert stored() == [], bad
        shoot(screenshot, page, "media-1-refused")

        jpeg = photo(size=(1600, 1200))
        assert b"\x00" in jpeg.read()
        form = page.get_by_test_id("upload-form")
        fill(form)
        form.get_by_test_id("upload-photos").set_input_files(as_file(jpeg, "大米正面.jpg"))
        page.get_by_test_id("upload-submit").click()
        expect(page.get_by_test_id("offer-status")).to_have_text("待审核")

        product = Product.objects.get(name="五常稻花香大米 5kg")
        supply.review_goods(actor=platform_staff, product=product, approve=True)
        page.goto(f"{url}/p/{product.public_id}/")
        first = page.get_by_test_id("gallery").locator("img").first
        expect(first).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=first.element_handle()
        )
        assert first.evaluate("img => img.currentSrc").endswith(".webp")
        shoot(screenshot, page, "media-2-product-page")
        first.click()
        zoomed = page.locator("dialog[open] img")
        expect(zoomed).to_be_visible()
        page.get_by_role("button", name="关闭").click()
        expect(page.locator("dialog[open]")).to_have_count(0)

        page.goto(url + "/c/grain-oil/")
        card = page.get_by_test_id("product-card").filter(has_text="五常稻花香大米").locator("img")
        expect(card).to_be_visible()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=card.element_handle()
        )
        assert card.evaluate("img => img.currentSrc").endswith(".webp")
        shoot(screenshot, page, "media-3-card")
    finally:
        context.close()
    (image,) = product.images.all()
    assert image.is_cover and (image.width, image.height) == (1600, 1200)
    with default_storage.open(image.name) as f:
        assert not Image.open(io.BytesIO(f.read())).getexif()  # no camera, no location
