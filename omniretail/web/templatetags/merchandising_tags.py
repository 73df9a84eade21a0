"""Specials on pages other views own (product cards, the product page): one read of the
running specials per request, so a grid of cards costs one query, not one per card."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.merchandising import selectors as merchandising
from omniretail.merchandising import specials

register = template.Library()


def running_specials(request) -> list:
    """specials.running() on every SKU, read once per request: the badges (special_for)
    and the product page's spec picker (spec_tags) both price from it."""
    running = getattr(request, "_specials_running", None)
    if running is None:
        running = specials.running(now=timezone.now())
        if request is not None:
            request._specials_running = running
    return running


@register.simple_tag(takes_context=True)
def special_for(context, product):
    """The special running for `product` now, or None."""
    request = context.get("request")
    by_product = getattr(request, "_running_specials", None)
    if by_product is None:
        by_product = merchandising.running_specials(running=running_specials(request))
        if request is not None:
            request._running_specials = by_product
    return by_product.get(product.pk)


@register.filter
def time_left(ends_at) -> str:
    """What the countdown shows before its script ticks: 2天03:04:05 / 03:04:05."""
    seconds = max(0, int((ends_at - timezone.now()).total_seconds()))
    days, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return _("%(days)s天%(clock)s") % {"days": days, "clock": clock} if days else clock
