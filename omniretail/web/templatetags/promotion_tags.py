"""门店促销 on pages other views own (product cards, the product page): the running
promotions are read once per request, so a grid of cards costs one query, not one per card."""

from django import template
from django.conf import settings

from omniretail.core.errors import DomainError
from omniretail.core.geo import validate_point
from omniretail.merchandising import promotions

register = template.Library()


def _running(context) -> promotions.RunningPromotions:
    request = context.get("request")
    running = getattr(request, "_running_promotions", None)
    if running is None:
        running = promotions.running_promotions()
        if request is not None:
            request._running_promotions = running
    return running


@register.simple_tag(takes_context=True)
def promotion_for(context, product):
    """The running promotion a card's 促销 badge names for `product` (the soonest to end
    at any store), or None."""
    return next(iter(_running(context).covering(product)), None)


@register.simple_tag(takes_context=True)
def promotion_offer(context, product, special=None):
    """The product page's line: the promotion at the store nearest the shopper (the page's
    ?lat=&lon=, else the city centre, as checkout picks a store), and one unit's price
    there when lower than today's (the running special's, else the list price)."""
    request = context.get("request")
    try:
        lat, lon = validate_point(request.GET.get("lat"), request.GET.get("lon"))
    except (AttributeError, DomainError):
        lat, lon = settings.OMNI_CITY_CENTER
    promotion = _running(context).nearest(product, lat=lat, lon=lon)
    if promotion is None:
        return None
    price = promotions.line_total(promotion, product.price, 1)
    today = special.price if special else product.price
    return {"promotion": promotion, "price": price if price < today else None}


@register.filter
def promotion_label(promotion) -> str:
    return promotions.short_label(promotion)
