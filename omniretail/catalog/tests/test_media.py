"""A product's pictures (catalog.media): several per product and per SKU, ordered, one
cover; the owner's staff and the platform manage them, another merchant cannot, and a file
goes only once no picture row shows it."""

import pytest
from django.core.files.storage import default_storage

from omniretail.catalog import media
from omniretail.catalog.models import ProductImage
from omniretail.core import uploads
from omniretail.core.errors import NotFound, PermissionDenied
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db


def stored(*sizes):
    files = [photo(name=f"{i}.jpg", size=size) for i, size in enumerate(sizes)]
    return [image for image, _created in uploads.save_images(files, folder="products")]


def order_of(product):
    return [
        (row.name, row.is_cover) for row in product.images.order_by("-is_cover", "position", "id")
    ]


def test_the_first_picture_is_the_cover_and_others_follow_in_upload_order(
    make_product, merchant, merchant_staff
):
    product = make_product(merchant_staff, merchant)
    first, second = stored((800, 600), (640, 640))
    sku = product.skus.get()

    media.add_images(actor=merchant_staff, product=product, images=[first, second])
    (sku_image,) = media.add_images(
        actor=merchant_staff, product=product, images=stored((500, 500)), sku=sku
    )

    assert order_of(product) == [(first.name, True), (second.name, False), (sku_image.name, False)]
    assert sku_image.sku == sku and sku_image.alt == f"{product.name} {sku.name}"
    assert (sku_image.width, sku_image.height) == (500, 500)


def test_moving_a_picture_to_the_front_makes_it_the_cover(make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant)
    a, b, c = media.add_images(
        actor=merchant_staff, product=product, images=stored((300, 300), (301, 300), (302, 300))
    )

    media.move_image(actor=merchant_staff, product=product, image_id=b.pk, offset=-1)
    assert order_of(product) == [(b.name, True), (a.name, False), (c.name, False)]
    media.make_cover(actor=merchant_staff, product=product, image_id=c.pk)
    assert order_of(product) == [(c.name, True), (b.name, False), (a.name, False)]


def test_removing_the_cover_promotes_the_next_and_deletes_its_files(
    make_product, merchant, merchant_staff, django_capture_on_commit_callbacks
):
    product = make_product(merchant_staff, merchant)
    a, b = media.add_images(
        actor=merchant_staff, product=product, images=stored((900, 600), (600, 900))
    )

    with django_capture_on_commit_callbacks(execute=True):
        media.remove_image(actor=merchant_staff, product=product, image_id=a.pk)

    assert order_of(product) == [(b.name, True)]
    assert not default_storage.exists(a.name)
    assert not default_storage.exists(uploads.variant_name(a.name, 480))
    assert default_storage.exists(b.name)


def test_a_picture_another_product_shows_is_kept_when_removed_from_one(
    make_product, merchant, merchant_staff, django_capture_on_commit_callbacks
):
    one = make_product(merchant_staff, merchant)
    two = make_product(merchant_staff, merchant, name="玻尿酸面膜")
    (image,) = stored((400, 400))
    (row,) = media.add_images(actor=merchant_staff, product=one, images=[image])
    media.add_images(actor=merchant_staff, product=two, images=[image])

    with django_capture_on_commit_callbacks(execute=True):
        media.remove_image(actor=merchant_staff, product=one, image_id=row.pk)

    assert default_storage.exists(image.name)


def test_platform_staff_manage_any_products_pictures_another_merchant_none(
    make_product, merchant, merchant_staff, platform_staff, other_merchant_staff
):
    product = make_product(merchant_staff, merchant)
    (row,) = media.add_images(actor=platform_staff, product=product, images=stored((300, 200)))

    with pytest.raises((PermissionDenied, NotFound)):
        media.add_images(actor=other_merchant_staff, product=product, images=stored((200, 200)))
    with pytest.raises((PermissionDenied, NotFound)):
        media.remove_image(actor=other_merchant_staff, product=product, image_id=row.pk)
    assert ProductImage.objects.filter(product=product).count() == 1
