"""A product card, its badges, its heart and a special's countdown built in one Python pass
(issue 22): as included templates, each card was five template renders and four tag
libraries loaded, most of the home, list and search pages' CPU. What the cards read (the
running specials, promotions and samples, the shopper's favourites) is read once per
request by the tags that own it."""

from django import template
from django.utils import timezone
from django.utils.html import format_html
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


@register.simple_tag
def heart(product, favourite: bool, signed_in: bool) -> SafeString:
    """收藏 on a card or the product page: a toggle for a signed-in shopper, else a link
    to sign in and come back."""
    if signed_in:
        return format_html(
            '<button type="button" class="fav-heart" style="{}color:{}" hx-post="{}" '
            'hx-swap="outerHTML" aria-pressed="{}" aria-label="{}" data-testid="favourite">'
            "{}</button>",
            mark_safe(_HEART_STYLE.format("border:0;", "padding:0;")),  # constant
            "#e4393c" if favourite else "#999",
            page_url("web:favourite_toggle", product.public_id),
            "true" if favourite else "false",
            _("取消收藏") if favourite else _("收藏"),
            "♥" if favourite else "♡",
        )
    return format_html(
        '<a class="fav-heart" style="{}text-align:center;color:#999;text-decoration:none" '
        'href="{}?next={}" aria-label="{}" data-testid="favourite">♡</a>',
        mark_safe(_HEART_STYLE.format("", "")),  # constant
        page_url("web:login"),
        page_url("web:product", product.public_id),
        _("登录后收藏"),
    )


@register.simple_tag
def countdown(special) -> SafeString:
    """特价剩 2天03:04:05, ticking in the browser until the special ends."""
    ends_at = special.ends_at
    return format_html(
        '<span class="countdown" data-countdown="{}" data-ended="{}" '
        'data-testid="special-countdown">{} <time datetime="{}">{}</time></span>',
        int(ends_at.timestamp()),
        _("特价已结束"),
        _("特价剩"),
        timezone.localtime(ends_at).isoformat(),
        time_left(ends_at),
    )


def _badges(product, special, sample, promo) -> SafeString:
    if not (product.is_featured or special or sample or promo):
        return mark_safe("")
    parts = [
        format_html('<span class="badge featured">{}</span>', _("精选"))
        if product.is_featured
        else "",
        format_html('<span class="badge offer">{}</span>', _("特价")) if special else "",
        format_html(
            '<span class="badge offer" data-testid="promotion-badge">{} · {}</span>',
            _("促销"),
            promotions.short_label(promo),
        )
        if promo
        else "",
        format_html(
            '<span class="badge sample" data-testid="sample-badge">{}</span>', _("免费试用")
        )
        if sample
        else "",
    ]
    return mark_safe('<div class="badges">\n  ' + "\n  ".join(parts) + "\n</div>")


@register.simple_tag(takes_context=True)
def product_badges(context, product) -> SafeString:
    """精选, 特价, 促销 and 免费试用 on a card or the product page."""
    return _badges(
        product,
        special_for(context, product),
        sample_for(context, product),
        promotion_for(context, product),
    )


@register.simple_tag(takes_context=True)
def product_card(context, product) -> SafeString:
    """A product in a grid: heart, picture, name, badges, price (the special's, struck
    through list price) and the special's countdown."""
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    favourite = signed_in and product.pk in favourite_ids(request)
    special = special_for(context, product)
    badges = _badges(
        product, special, sample_for(context, product), promotion_for(context, product)
    )
    if special:
        prices = format_html(
            '<span class="price">{}</span><s class="was">{}</s>',
            format_cny(special.price),
            format_cny(special.sku.price),
        )
    else:
        was = ""
        if product.is_special_offer and product.compare_at_price:
            was = format_html('<s class="was">{}</s>', format_cny(product.compare_at_price))
        prices = format_html(
            '\n      <span class="price">{}</span>\n      {}', format_cny(product.price), was
        )
    return format_html(
        '<div style="position:relative;display:grid">{}\n<a class="product-card" href="{}" '
        'data-testid="product-card">\n'
        '  <div class="thumb">{}</div>\n'
        '  <div class="body">\n'
        '    <div class="name">{}</div>\n'
        "    {}\n"
        "    {}\n\n"
        "    \n"
        '    <div class="prices">\n'
        "      {}\n"
        "    </div>\n"
        "    {}\n"
        "  </div>\n"
        "</a></div>\n",
        heart(product, favourite, signed_in),
        page_url("web:product", product.public_id),
        product_image(product),
        product.name,
        format_html('<div class="sub">{}</div>', product.subtitle) if product.subtitle else "",
        badges,
        prices,
        format_html("{}\n", countdown(special)) if special else "",
    )
