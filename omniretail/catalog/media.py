"""A product's pictures: several per product and per SKU, in an order, one of them the cover
(the card's picture). The product's owner's staff and platform operators manage them; the
files themselves come from core.uploads (re-encoded, WebP copies, content-hash names), and a
file is deleted only once no row shows it any more (the same picture may serve twice)."""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.catalog.models import Product, ProductImage, Sku
from omniretail.catalog.services import MAX_IMAGES, _require_member
from omniretail.core import uploads
from omniretail.core.errors import NotFound, field_error


def _rows(product: Product) -> list[ProductImage]:
    return list(product.images.order_by("-is_cover", "position", "id"))


def _renumber(rows: list[ProductImage]) -> None:
    """Positions 0..n in the given order, the first row the cover (one UPDATE per moved row)."""
    ProductImage.objects.filter(product_id=rows[0].product_id, is_cover=True).exclude(
        pk=rows[0].pk
    ).update(is_cover=False)
    for position, row in enumerate(rows):
        is_cover = position == 0
        if (row.position, row.is_cover) != (position, is_cover):
            ProductImage.objects.filter(pk=row.pk).update(position=position, is_cover=is_cover)


@transaction.atomic
def add_images(
    *,
    actor: User,
    product: Product,
    images: list[uploads.StoredImage],
    sku: Sku | None = None,
    alt: str = "",
) -> list[ProductImage]:
    """Append stored pictures after the product's others; the first picture a product gets
    becomes its cover."""
    _require_member(actor, product.owner)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if sku is not None and sku.product_id != product.pk:
        raise NotFound(_("找不到该规格。"))
    alt = (alt or "").strip()
    if len(alt) > 200:
        raise field_error("alt", _("替代文字不能超过 200 字。"))
    if product.images.count() + len(images) > MAX_IMAGES:
        raise field_error("photos", _("图片不能超过 %(n)s 张。") % {"n": MAX_IMAGES})
    last = product.images.aggregate(last=Max("position"))["last"]
    has_cover = product.images.filter(is_cover=True).exists()
    start = -1 if last is None else last
    return ProductImage.objects.bulk_create(
        ProductImage(
            product=product,
            sku=sku,
            name=image.name,
            width=image.width,
            height=image.height,
            alt=alt or (f"{product.name} {sku.name}" if sku else product.name),
            position=start + 1 + i,
            is_cover=not has_cover and i == 0,
        )
        for i, image in enumerate(images)
    )


def _image(actor: User, product: Product, image_id) -> ProductImage:
    _require_member(actor, product.owner)
    image = product.images.filter(pk=image_id).first() if str(image_id).isdigit() else None
    if image is None:
        raise NotFound(_("找不到该图片。"))
    return image


@transaction.atomic
def move_image(*, actor: User, product: Product, image_id, offset: int) -> None:
    """One place earlier (-1) or later (+1); moving to the front makes it the cover."""
    image = _image(actor, product, image_id)
    Product.objects.select_for_update().get(pk=product.pk)
    rows = _rows(product)
    at = next(i for i, row in enumerate(rows) if row.pk == image.pk)
    to = min(max(at + offset, 0), len(rows) - 1)
    rows.insert(to, rows.pop(at))
    _renumber(rows)


@transaction.atomic
def make_cover(*, actor: User, product: Product, image_id) -> None:
    image = _image(actor, product, image_id)
    Product.objects.select_for_update().get(pk=product.pk)
    rows = _rows(product)
    rows.sort(key=lambda row: row.pk != image.pk)
    _renumber(rows)


@transaction.atomic
def remove_image(*, actor: User, product: Product, image_id) -> None:
    """Remove the row; the next picture becomes the cover, and the files go after commit
    when no other row shows the same picture."""
    image = _image(actor, product, image_id)
    Product.objects.select_for_update().get(pk=product.pk)
    image.delete()
    rows = _rows(product)
    if rows:
        _renumber(rows)
    if image.name and not ProductImage.objects.filter(name=image.name).exists():
        stored = uploads.StoredImage(image.name, image.width, image.height)
        transaction.on_commit(lambda: uploads.delete_image(stored))
