"""The heart (收藏) on a product card or page: the shopper's favourites are read once per
request, so a page of cards costs one query."""

from django import template

from omniretail.shopping import selectors

register = template.Library()


@register.inclusion_tag("web/shopping/_heart.html", takes_context=True)
def favourite_heart(context, product):
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    ids = set()
    if signed_in:
        ids = getattr(request, "_favourite_ids", None)
        if ids is None:
            ids = request._favourite_ids = selectors.favourite_ids(user)
    return {"product": product, "favourite": product.pk in ids, "signed_in": signed_in}
