from django import template

from omniretail.referrals.models import percent_of

register = template.Library()


@register.filter
def percent(rate) -> str:
    """A stored rate as a percentage: 0.0350 -> "3.5%"."""
    return f"{percent_of(rate)}%"


@register.filter
def percent_number(rate) -> str:
    """The same without the sign, for a form field that asks for a percentage."""
    return percent_of(rate)
