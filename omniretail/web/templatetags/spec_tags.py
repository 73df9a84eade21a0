"""The product page's spec picker and the 免费试用 offers on pages other views own (product
cards, the product page): one read of the running offers per request, as for specials."""

from django import template

from omniretail.merchandising import picker, samples
from omniretail.web.templatetags.merchandising_tags import running_specials

register = template.Library()


@register.simple_tag(takes_context=True)
def spec_picker(context, product) -> dict:
    """Axes and combinations (merchandising.picker), priced from the specials the page's
    badges read (merchandising_tags), with `default`: the first combination in stock, the
    one the form starts with (None when everything is sold out)."""
    data = picker.spec_picker(product, running=running_specials(context.get("request")))
    data["default"] = next((s for s in data["skus"] if s["stock"] > 0), None)
    return data


@register.simple_tag(takes_context=True)
def sample_for(context, product):
    """The sample offer running for `product` now with units left, or None."""
    request = context.get("request")
    running = getattr(request, "_running_samples", None)
    if running is None:
        running = samples.running_by_product()
        if request is not None:
            request._running_samples = running
    return running.get(product.pk)
