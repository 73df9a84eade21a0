"""The producer's upload form takes the product's photos: a real JPEG (NUL bytes and all) is
stored with its WebP copies and becomes the cover; a refused file (not an image, a pixel
bomb, an SVG with a script, over the byte limit) is a message on the photos field, the
typed form comes back, and neither the product nor any file is stored."""

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from omniretail.catalog.models import Product
from omniretail.supply.tests.fixtures import channel_fixture  # noqa: F401  (fixture)
from omniretail.testing.bad_images import not_an_image, oversized, pixel_bomb, svg_with_script
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db


def form(**extra):
    return {
        "name": "东北五常大米 5kg",
        "subtitle": "当季新米",
        "category": "grain-oil",
        "code": "RICE-5KG",
        "sku_name": "5kg 袋装",
        "retail_price": "59.90",
        "wholesale_price": "42.00",
        "min_order_quantity": "2",
        **extra,
    }


def stored() -> list[str]:
    return default_storage.listdir("products")[1] if default_storage.exists("products") else []


def test_the_producer_uploads_goods_with_a_real_jpeg_as_the_cover(channel):
    client = Client()
    client.force_login(channel.maker)
    upload = photo(size=(1024, 768))
    assert b"\x00" in upload.read() and upload.seek(0) == 0

    response = client.post("/supply/producer/upload/", form(photos=upload))

    assert response.status_code == 302, response.content.decode()
    product = Product.objects.get(name="东北五常大米 5kg")
    (image,) = product.images.all()
    assert image.is_cover and (image.width, image.height) == (1024, 768)
    assert len(stored()) == 4  # the original and its 160, 480 and 960 px copies


@pytest.mark.parametrize("bad", [not_an_image, svg_with_script, pixel_bomb, oversized])
def test_a_refused_photo_keeps_the_form_and_stores_nothing(channel, bad):
    client = Client()
    client.force_login(channel.maker)

    response = client.post("/supply/producer/upload/", form(photos=[photo(), bad()]))

    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="field-error"' in page
    assert 'value="东北五常大米 5kg"' in page and 'value="RICE-5KG"' in page
    assert 'value="grain-oil" selected' in page and 'value="2"' in page
    assert not Product.objects.filter(name="东北五常大米 5kg").exists()
    assert stored() == []


def test_a_refused_form_field_removes_the_photos_it_had_stored(channel):
    client = Client()
    client.force_login(channel.maker)

    response = client.post("/supply/producer/upload/", form(retail_price="abc", photos=photo()))

    assert response.status_code == 422
    assert 'value="东北五常大米 5kg"' in response.content.decode()
    assert stored() == []
