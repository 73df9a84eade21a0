"""Product reviews on pages that other views own (the order, the product, the producer
portal): each tag reads what it shows through `reviews.services`, so those views stay as
they are."""

from django import template

from omniretail.orders.models import Order
from omniretail.reviews import services as reviews

register = template.Library()


@register.filter
def stars(rating) -> str:
    """4 -> ★★★★☆; an average is rounded to whole stars (the number sits beside it)."""
    if rating is None:
        return ""
    full = min(5, max(0, round(rating)))
    return "★" * full + "☆" * (5 - full)


@register.filter
def reviewer(review) -> str:
    return reviews.author_label(review)


@register.inclusion_tag("web/reviews/_order_reviews.html", takes_context=True)
def order_reviews(context, order) -> dict:
    """Per line of a completed order: the shopper's review, or the form to write it."""
    if order.status != Order.Status.COMPLETED:
        return {"rows": []}
    written = reviews.reviews_by_line(order)
    rows = [(line, written.get(line.pk)) for line in order.lines.all()]
    return {"rows": rows, "order": order, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("web/reviews/_product_reviews.html")
def product_reviews(product) -> dict:
    rating, latest = reviews.rating_and_recent(product)
    return {"rating": rating, "latest": latest}


@register.inclusion_tag("web/reviews/_producer_reviews.html")
def producer_reviews(producer) -> dict:
    return {
        "by_sku": reviews.ratings_by_sku(producer),
        "latest": reviews.latest_for_owner(producer),
    }
