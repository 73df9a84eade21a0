"""The demo city has a photo for every product (drawn at load time, stored through the
upload path with its WebP copies), never a one-character tile; the label is drawn in a CJK
font when the machine has one."""

import io

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from omniretail.catalog import demo_photos
from omniretail.catalog.models import Product, ProductImage
from omniretail.core import uploads
from omniretail.demo import load_demo_city


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_every_demo_product_has_a_stored_cover_photo(data_dir, client):
    load_demo_city(product_total=16)

    assert not Product.objects.filter(images__isnull=True).exists()
    cover = ProductImage.objects.filter(is_cover=True).select_related("product").first()
    assert uploads.is_stored_photo(cover.name) and (cover.width, cover.height) == (640, 640)
    for width in uploads.variant_widths(640):
        assert default_storage.exists(uploads.variant_name(cover.name, width))
    page = client.get(f"/p/{cover.product.public_id}/").content.decode()
    assert "srcset" in page and 'class="placeholder' not in page


def test_a_photo_shows_the_product_and_its_name_not_a_blank_tile():
    with_text = demo_photos.product_photo(
        name="明前西湖龙井250g", subtitle="核心产区", category="green-tea"
    )
    image = Image.open(io.BytesIO(with_text))

    assert image.format == "JPEG" and image.size == (640, 640)
    assert len(image.convert("RGB").getcolors(1 << 20)) > 50  # a drawing, not a flat tile
    assert demo_photos.pack_size("明前西湖龙井250g") == "250g"
    assert demo_photos.pack_size("洗衣凝珠30颗（家庭装）") == "30颗"
    assert demo_photos.pack_size("定胜糕（礼盒装）") == "礼盒装"
    if demo_photos.has_cjk_font():
        blank = demo_photos.product_photo(name="", category="green-tea")
        assert with_text != blank
