"""`{% picture image sizes %}`: a stored picture as one `<img>` whose `srcset` lists its WebP
copies (core.uploads.WIDTHS), with its own width and height (no layout shift), lazy unless
asked otherwise (the first picture of a page is not)."""

from html import escape

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from omniretail.core import uploads

register = template.Library()
LAZY = mark_safe('loading="lazy"')  # constant markup
EAGER = mark_safe('fetchpriority="high"')


def _variant_url(src: str, name: str, variant: str) -> str:
    """A copy's URL from its original's: they share the folder, so the storage is asked
    once per picture, not once per width (asking was 5 % of a page of cards, issue 22).
    A URL with a query (a signed link to a private bucket) is asked for each copy."""
    file_name = name.rsplit("/", 1)[1]
    if "?" in src or not src.endswith(file_name):
        return uploads.photo_url(variant)
    return src[: -len(file_name)] + variant.rsplit("/", 1)[1]


def _escape(value) -> str:
    """conditional_escape without its lazy-string wrapper."""
    return value.__html__() if hasattr(value, "__html__") else escape(str(value))


def responsive_img(image, *, sizes: str = "100vw", lazy: bool = True, alt: str = "") -> str:
    """The `<img>` for a row with a stored `name`, `width`, `height` and `alt`; an old row
    with only a `url` keeps its plain `<img>`; "" for anything else."""
    alt = alt or getattr(image, "alt", "")
    name = getattr(image, "name", "")
    if not uploads.is_stored_photo(name):
        url = getattr(image, "url", "")
        return format_html('<img src="{}" alt="{}" loading="lazy">', url, alt) if url else ""
    width, height = image.width, image.height
    src = uploads.photo_url(name)
    srcset = ", ".join(
        f"{_variant_url(src, name, uploads.variant_name(name, w))} {w}w"
        for w in uploads.variant_widths(width)
    )
    # one string with its values escaped as format_html would: a page of cards has one
    # picture per card, and format_html's lazy-aware escaping was a fifth of a picture
    return mark_safe(
        f'<img src="{_escape(src)}" srcset="{_escape(srcset)}" sizes="{_escape(sizes)}" '
        f'width="{_escape(width)}" height="{_escape(height)}" alt="{_escape(alt)}" '
        f'{LAZY if lazy else EAGER} decoding="async">'
    )


@register.simple_tag
def picture(image, sizes: str = "100vw", lazy: bool = True, alt: str = "") -> str:
    return responsive_img(image, sizes=sizes, lazy=lazy, alt=alt)
