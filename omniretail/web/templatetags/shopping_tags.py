"""The heart (收藏) on the product page: the shopper's favourites are read once per request
(web.mall.favourite_ids, which the cards share)."""

from django import template

from omniretail.web.mall import favourite_ids
from omniretail.web.templatetags.card_tags import heart

register = template.Library()


@register.simple_tag(takes_context=True)
def favourite_heart(context, product):
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return heart(context, product, signed_in and product.pk in favourite_ids(request), signed_in)
