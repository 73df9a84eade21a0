"""`{{ name|photo_url }}`: the link to a photo the platform stored, empty for anything else
(an old row's outside URL is never rendered as a link or an image)."""

from django import template

from omniretail.core.uploads import photo_url as _photo_url

register = template.Library()


@register.filter
def photo_url(name) -> str:
    return _photo_url(name) or ""
