"""The product pictures page (/catalogue/<id>/media/): the owner's staff and platform
operators upload real photos (several, for the product or one SKU), reorder, make a cover
and remove; a refused file is a field message with the form kept and nothing stored;
another merchant finds nothing. /favicon.ico answers."""

import pytest
from django.core.files.storage import default_storage

from omniretail.catalog.models import ProductImage
from omniretail.testing.bad_images import not_an_image, pixel_bomb, svg_with_script
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db


def stored_products() -> list[str]:
    return default_storage.listdir("products")[1] if default_storage.exists("products") else []


def url(product):
    return f"/catalogue/{product.public_id}/media/"


def test_the_producer_uploads_photos_for_the_product_and_one_sku(client, commerce):
    client.force_login(commerce.maker)
    sku = commerce.mask_20
    upload = photo(size=(1000, 800))
    assert b"\x00" in upload.read() and upload.seek(0) == 0

    response = client.post(url(commerce.mask), {"photos": [upload, photo(name="b.png", fmt="PNG")]})
    assert response.status_code == 302, response.content.decode()
    response = client.post(
        url(commerce.mask), {"photos": photo(size=(400, 400)), "sku": sku.public_id, "alt": "大瓶"}
    )

    rows = list(ProductImage.objects.filter(product=commerce.mask))
    assert [(r.is_cover, r.sku_id, r.width) for r in rows] == [
        (True, None, 1000),
        (False, None, 64),
        (False, sku.pk, 400),
    ]
    assert rows[2].alt == "大瓶"
    page = client.get(url(commerce.mask)).content.decode()
    assert page.count('data-testid="media-item"') == 3


@pytest.mark.parametrize("bad", [not_an_image, svg_with_script, pixel_bomb])
def test_a_refused_file_is_a_field_message_the_form_is_kept_and_nothing_stored(
    client, commerce, bad
):
    client.force_login(commerce.maker)

    response = client.post(
        url(commerce.mask),
        {"photos": [photo(), bad()], "sku": commerce.mask_20.public_id, "alt": "正面照"},
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="field-error"' in page
    assert 'value="正面照"' in page and f'value="{commerce.mask_20.public_id}" selected' in page
    assert stored_products() == [] and not ProductImage.objects.exists()


def test_move_cover_and_remove_from_the_page(client, commerce):
    client.force_login(commerce.ops)  # platform staff manage any product's pictures
    client.post(url(commerce.mask), {"photos": [photo(size=(300, 300)), photo(size=(310, 300))]})
    first, second = ProductImage.objects.filter(product=commerce.mask)

    client.post(f"{url(commerce.mask)}{second.pk}/cover/")
    assert ProductImage.objects.get(is_cover=True) == second
    client.post(f"{url(commerce.mask)}{second.pk}/remove/")
    assert list(ProductImage.objects.filter(product=commerce.mask)) == [first]
    assert ProductImage.objects.get().is_cover


def test_another_merchant_finds_no_such_product_and_a_visitor_is_sent_to_log_in(
    client, commerce, other_merchant_staff
):
    assert client.get(url(commerce.mask)).status_code == 302
    client.force_login(other_merchant_staff)
    assert client.get(url(commerce.mask)).status_code == 404
    response = client.post(url(commerce.mask), {"photos": photo()})
    assert response.status_code == 404 and stored_products() == []


def test_favicon_is_served(client):
    response = client.get("/favicon.ico", follow=True)

    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
