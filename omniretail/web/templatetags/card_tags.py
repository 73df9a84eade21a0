"""A product card, its badges, its heart and a special's countdown built in one Python pass
(issue 22): as included templates, each card was five template renders and four tag
libraries loaded, most of the home, list and search pages' CPU. What the cards read (the
running specials, promotions and samples, the shopper's favourites) is read once per
request by the tags that own it."""

from html import escape

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from omniretail.core.money import format_cny
from omniretail.merchandising import promotions
from omniretail.web.mall import favourite_ids
from omniretail.web.templatetags.merchandising_tags import special_for, time_left
from omniretail.web.templatetags.promotion_tags import promotion_for
from omniretail.web.templatetags.spec_tags import sample_for
from omniretail.web.templatetags.web_tags import page_url, product_image

register = template.Library()

_HEART_STYLE = (
    "position:absolute;top:6px;right:6px;z-index:1;{}background:rgba(255,255,255,.85);"
    "border-radius:50%;width:32px;height:32px;font-size:18px;line-height:32px;{}"
)
_BUTTON_STYLE = _HEART_STYLE.format("border:0;", "padding:0;")  # constant markup
_LINK_STYLE = _HEART_STYLE.format("", "")


def _words(request) -> dict[str, str]:
    """The cards' fixed words in the page's language, translated and escaped once per
    request (a gettext and an escape per word per card was a tenth of a card)."""
    words = getattr(request, "_card_words", None)
    if words is None:
        words = {
            key: escape(text)
            for key, text in (
                ("featured", _("精选")),
                ("special", _("特价")),
                ("promotion", _("促销")),
                ("sample", _("免费试用")),
                ("save", _("收藏")),
                ("unsave", _("取消收藏")),
                ("sign_in", _("登录后收藏")),
                ("left", _("特价剩")),
                ("ended", _("特价已结束")),
            )
        }
        if request is not None:
            request._card_words = words
    return words


def _heart(public_id: str, product_url: str, favourite: bool, signed_in: bool, words) -> str:
    if signed_in:
        return (
            f'<button type="button" class="fav-heart" style="{_BUTTON_STYLE}color:'
            f'{"#e4393c" if favourite else "#999"}" '
            f'hx-post="{escape(page_url("web:favourite_toggle", public_id))}" '
            f'hx-swap="outerHTML" aria-pressed="{"true" if favourite else "false"}" '
            f'aria-label="{words["unsave"] if favourite else words["save"]}" '
            f'data-testid="favourite">{"♥" if favourite else "♡"}</button>'
        )
    return (
        f'<a class="fav-heart" style="{_LINK_STYLE}text-align:center;color:#999;'
        f'text-decoration:none" href="{escape(page_url("web:login"))}?next='
        f'{escape(product_url)}" aria-label="{words["sign_in"]}" data-testid="favourite">♡</a>'
    )


@register.simple_tag(takes_context=True)
def heart(context, product, favourite: bool, signed_in: bool) -> SafeString:
    """收藏 on a card or the product page: a toggle for a signed-in shopper, else a link
    to sign in and come back."""
    product_url = page_url("web:product", product.public_id)
    words = _words(context.get("request"))
    return mark_safe(_heart(product.public_id, product_url, favourite, signed_in, words))


def _countdown(special, words) -> str:
    ends_at = special.ends_at
    return (
        f'<span class="countdown" data-countdown="{int(ends_at.timestamp())}" '
        f'data-ended="{words["ended"]}" data-testid="special-countdown">{words["left"]} '
        f'<time datetime="{escape(timezone.localtime(ends_at).isoformat())}">'
        f"{escape(time_left(ends_at))}</time></span>"
    )


@register.simple_tag(takes_context=True)
def countdown(context, special) -> SafeString:
    """特价剩 2天03:04:05, ticking in the browser until the special ends."""
    return mark_safe(_countdown(special, _words(context.get("request"))))


def _badges(product, special, sample, promo, words) -> str:
    if not (product.is_featured or special or sample or promo):
        return ""
    parts = [
        f'<span class="badge featured">{words["featured"]}</span>' if product.is_featured else "",
        f'<span class="badge offer">{words["special"]}</span>' if special else "",
        '<span class="badge offer" data-testid="promotion-badge">'
        f"{words['promotion']} · {escape(promotions.short_label(promo))}</span>"
        if promo
        else "",
        f'<span class="badge sample" data-testid="sample-badge">{words["sample"]}</span>'
        if sample
        else "",
    ]
    return '<div class="badges">\n  ' + "\n  ".join(parts) + "\n</div>"


@register.simple_tag(takes_context=True)
def product_badges(context, product) -> SafeString:
    """精选, 特价, 促销 and 免费试用 on a card or the product page."""
    return mark_safe(
        _badges(
            product,
            special_for(context, product),
            sample_for(context, product),
            promotion_for(context, product),
            _words(context.get("request")),
        )
    )


@register.simple_tag(takes_context=True)
def product_card(context, product) -> SafeString:
    """A product in a grid: heart, picture, name, badges, price (the special's, struck
    through list price) and the special's countdown. Built as one string, its words read
    once per request (_words) and its values escaped as they go in."""
    request = context.get("request")
    words = _words(request)
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    favourite = signed_in and product.pk in favourite_ids(request)
    special = special_for(context, product)
    badges = _badges(
        product, special, sample_for(context, product), promotion_for(context, product), words
    )
    if special:
        prices = (
            f'<span class="price">{escape(format_cny(special.price))}</span>'
            f'<s class="was">{escape(format_cny(special.sku.price))}</s>'
        )
    else:
        was = ""
        if product.is_special_offer and product.compare_at_price:
            was = f'<s class="was">{escape(format_cny(product.compare_at_price))}</s>'
        prices = (
            f'\n      <span class="price">{escape(format_cny(product.price))}</span>\n      {was}'
        )
    url = page_url("web:product", product.public_id)
    sub = f'<div class="sub">{escape(product.subtitle)}</div>' if product.subtitle else ""
    return mark_safe(
        '<div style="position:relative;display:grid">'
        f"{_heart(product.public_id, url, favourite, signed_in, words)}\n"
        f'<a class="product-card" href="{escape(url)}" data-testid="product-card">\n'
        f'  <div class="thumb">{product_image(product)}</div>\n'
        '  <div class="body">\n'
        f'    <div class="name">{escape(product.name)}</div>\n'
        f"    {sub}\n"
        f"    {badges}\n\n"
        "    \n"
        '    <div class="prices">\n'
        f"      {prices}\n"
        "    </div>\n"
        f"    {_countdown(special, words) + chr(10) if special else ''}\n"
        "  </div>\n"
        "</a></div>\n"
    )
