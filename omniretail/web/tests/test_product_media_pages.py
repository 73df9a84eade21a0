"""Product pictures wherever the product shows: the card and the product page (a swipeable
gallery, the first picture loaded at once, the others lazily, each from its WebP copies), the
cart line (the SKU's own picture), the order line; a product without one keeps its tile."""

import re

import pytest

from omniretail.catalog import media
from omniretail.core import uploads
from omniretail.testing.images import photo
from omniretail.web.tests.factories import place_order

pytestmark = pytest.mark.django_db


def pictures(actor, product, *sizes, sku=None):
    files = [photo(name=f"{i}.jpg", size=size) for i, size in enumerate(sizes)]
    stored = [image for image, _created in uploads.save_images(files, folder="products")]
    return media.add_images(actor=actor, product=product, images=stored, sku=sku)


def imgs(html: str) -> list[str]:
    return re.findall(r"<img [^>]*>", html)


def test_card_and_product_page_show_the_pictures_from_their_webp_copies(client, commerce):
    cover, second = pictures(commerce.ops, commerce.mask, (1200, 1200), (800, 600))

    category = client.get(f"/c/{commerce.beauty.slug}/").content.decode()
    (card_img,) = [tag for tag in imgs(category) if cover.name in tag]
    stem = cover.name.rsplit(".", 1)[0]
    assert f"/media/{stem}-160.webp 160w" in card_img and f"/media/{stem}-960.webp 960w" in card_img
    assert 'loading="lazy"' in card_img and 'width="1200" height="1200"' in card_img
    assert f'alt="{commerce.mask.name}"' in card_img

    page = client.get(f"/p/{commerce.mask.public_id}/").content.decode()
    first, other = [tag for tag in imgs(page) if "srcset" in tag]
    assert cover.name in first and 'loading="lazy"' not in first  # above the fold
    assert second.name in other and 'loading="lazy"' in other
    assert 'data-testid="gallery"' in page and "data-zoom-dialog" in page
    assert f'data-zoom-src="/media/{cover.name}"' in page


def test_a_product_without_pictures_keeps_its_tile(client, commerce):
    page = client.get(f"/p/{commerce.offer.public_id}/").content.decode()

    assert 'class="placeholder big"' in page and "srcset" not in page


def test_cart_and_order_lines_show_the_skus_own_picture(client, commerce):
    pictures(commerce.ops, commerce.mask, (600, 600))
    (sku_picture,) = pictures(commerce.ops, commerce.mask, (500, 500), sku=commerce.mask_20)
    client.force_login(commerce.member)

    client.post("/cart/add/", {"sku": commerce.mask_20.public_id, "quantity": "1"})
    cart = client.get("/cart/").content.decode()
    (line,) = re.findall(r'<li class="cart-line.*?</li>', cart, re.S)
    assert sku_picture.name.rsplit(".", 1)[0] + "-160.webp" in line

    order = place_order(commerce.member, commerce.near_store, [(commerce.mask_20, 1)])
    page = client.get(f"/orders/{order.public_id}/").content.decode()
    (line,) = re.findall(r'data-testid="order-line">.*?</div>', page, re.S)
    assert sku_picture.name.rsplit(".", 1)[0] + "-160.webp" in line
