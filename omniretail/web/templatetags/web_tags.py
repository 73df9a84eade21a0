"""Presentation helpers for the shop pages: money as ¥12.90 from a Decimal, distances in
metres or kilometres, and a product picture (or a placeholder when there is none)."""

import re
from decimal import Decimal
from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from omniretail.core.money import format_cny
from omniretail.web.templatetags.media_tags import responsive_img

register = template.Library()


# What page_url puts in place of each argument to find where the arguments go in the path.
_SLOT = "omniretail0slot"
_PLAIN = re.compile(r"[0-9A-Za-z_-]+")  # an argument reverse() would neither quote nor refuse


@lru_cache(maxsize=512)
def _url_parts(urlconf: str, prefix: str, name: str, slots: int) -> tuple[str, ...] | None:
    """The path of `name` cut where its `slots` arguments go, reversed once per URL
    configuration and script prefix; None when a placeholder does not fit its pattern."""
    try:
        url = reverse(name, urlconf=urlconf, args=[_SLOT] * slots)
    except NoReverseMatch:
        return None
    parts = url.split(_SLOT)
    return tuple(parts) if len(parts) == slots + 1 else None


@register.simple_tag
def page_url(name: str, *args) -> str:
    """`{% url name arg %}` without a reverse() per call: a page of product cards reversed
    one product URL per card, 9 % of the home and search pages' CPU (issue 22). Arguments
    that are plain ids or slugs go into the path reversed once; anything else is reversed
    as `{% url %}` would. For routes of one instance (no `current_app` to choose)."""
    values = [str(arg) for arg in args]
    parts = None
    if all(_PLAIN.fullmatch(value) for value in values):
        urlconf = get_urlconf() or settings.ROOT_URLCONF
        parts = _url_parts(urlconf, get_script_prefix(), name, len(values))
    if parts is None:
        return reverse(name, args=args)
    return "".join(part + value for part, value in zip(parts, [*values, ""], strict=True))


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


# What each place shows a picture at, for the browser to pick a copy from `srcset`.
IMAGE_SIZES = {
    "": "(min-width: 720px) 230px, 50vw",  # a card: two columns on a phone
    "big": "(min-width: 720px) 480px, 100vw",
    "small": "80px",
}


@register.simple_tag
def product_image(product, size: str = "", lazy: bool = True, sku=None) -> str:
    """The SKU's or the product's cover picture (`srcset` of its WebP copies), or a coloured
    block with the first character of the name when it has none."""
    rows = getattr(product, "card_images", None)  # catalog.with_pictures read them
    if rows is None:
        images = getattr(product, "images", None)
        rows = list(images.all()) if images is not None else []
    if sku is not None:
        rows.sort(key=lambda row: getattr(row, "sku_id", None) != sku.pk)
    for row in rows:
        if html := responsive_img(row, sizes=IMAGE_SIZES.get(size, "100vw"), lazy=lazy):
            return html
    initial = (product.name or "?")[:1]
    hue = sum(map(ord, product.name or "?")) % 360  # stable colour per product
    return format_html(
        '<div class="placeholder {}" style="--hue: {}" role="img" aria-label="{}">{}</div>',
        size,
        hue,
        product.name,
        initial,
    )


@register.filter
def mask_phone(phone: str | None) -> str:
    """138****8000: enough for the shopper to recognise their number, not to reveal it."""
    if not phone or len(phone) < 7:
        return phone or ""
    return f"{phone[:3]}****{phone[-4:]}"


# Line icons drawn inline: the machine and many phones have no emoji font, and no CDN is used.
ICONS = {
    "bag": '<path d="M5 8h14l-1 12H6z"/><path d="M9 8V6a3 3 0 0 1 6 0v2"/>',
    "star": '<path d="m12 3 2.7 5.6 6.1.9-4.4 4.3 1 6.1L12 17l-5.4 2.9 1-6.1-4.4-4.3 6.1-.9z"/>',
    "pin": '<path d="M12 21s-7-6.1-7-11.5a7 7 0 0 1 14 0C19 14.9 12 21 12 21z"/>'
    '<circle cx="12" cy="9.5" r="2.5"/>',
    "chat": '<path d="M4 5h16v11H9l-5 4z"/><path d="M8 9h8M8 12h5"/>',
    "phone": '<path d="M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6'
    'a2 2 0 0 1 2-2z"/>',
    "search": '<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>',
    "box": '<path d="M3 7.5 12 3l9 4.5v9L12 21l-9-4.5z"/><path d="M3 7.5 12 12l9-4.5M12 12v9"/>',
    "store": '<path d="M4 9h16l-1-5H5z"/><path d="M5 9v11h14V9"/><path d="M10 20v-5h4v5"/>',
    "compass": '<circle cx="12" cy="12" r="9"/><path d="m15.5 8.5-2 5-5 2 2-5z"/>',
    "alert": '<path d="M12 3 2 20h20z"/><path d="M12 10v4M12 17h.01"/>',
    "bell": '<path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z"/><path d="M10 20a2 2 0 0 0 4 0"/>',
    "check": '<circle cx="12" cy="12" r="9"/><path d="m8 12 3 3 5-6"/>',
}


@register.simple_tag
def icon(name: str, css: str = "ico") -> str:
    return format_html(
        '<svg class="{}" viewBox="0 0 24 24" aria-hidden="true" focusable="false">{}</svg>',
        css,
        mark_safe(ICONS[name]),  # constant markup defined above, never user input
    )


@register.filter
def local_name(obj) -> str:
    """A category's English name when the page is in English and one is set."""
    if get_language() == "en" and getattr(obj, "name_en", ""):
        return obj.name_en
    return obj.name


@register.filter
def order_status(value: str) -> str:
    """The label of an order status code (the timeline stores codes)."""
    from omniretail.orders.models import Order

    try:
        return str(Order.Status(value).label)
    except ValueError:
        return value
