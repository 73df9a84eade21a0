"""Presentation helpers for the shop pages: money as ¥12.90 from a Decimal, distances in
metres or kilometres, and a product picture (or a placeholder when there is none)."""

from decimal import Decimal

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from omniretail.core.money import format_cny

register = template.Library()


@register.filter
def cny(amount: Decimal | None) -> str:
    """Format a Decimal price; a float would be refused by `money()` rather than rounded."""
    if amount is None or amount == "":
        return ""
    return format_cny(amount)


@register.filter
def distance(metres) -> str:
    """Below one kilometre in whole metres, above it in kilometres with one decimal."""
    if metres is None:
        return ""
    metres = Decimal(str(metres))
    if metres < 1000:
        return _("%(m)s 米") % {"m": int(metres.to_integral_value())}
    km = (metres / 1000).quantize(Decimal("0.1"))
    return _("%(km)s 公里") % {"km": km}


def _image_urls(product) -> list[str]:
    images = getattr(product, "images", None)
    if images is None:
        return []
    if hasattr(images, "all"):
        images = images.all()
    urls = []
    for image in images:
        url = image if isinstance(image, str) else getattr(image, "url", "")
        if url:
            urls.append(str(url))
    return urls


@register.simple_tag
def product_image_urls(product) -> list[str]:
    return _image_urls(product)


@register.simple_tag
def product_image(product, size: str = "") -> str:
    """The first picture, or a coloured block with the first character of the name."""
    urls = _image_urls(product)
    if urls:
        return format_html('<img src="{}" alt="{}" loading="lazy">', urls[0], product.name)
    initial = (product.name or "?")[:1]
    return format_html(
        '<div class="placeholder {}" role="img" aria-label="{}">{}</div>',
        size,
        product.name,
        initial,
    )
