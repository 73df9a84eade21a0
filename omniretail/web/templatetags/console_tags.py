"""Console menus: `{% may_open "web:m_loyalty" as shown %}` asks the page's own access rule
(web.access), so an entry is shown only to those the page admits."""

from django import template

from omniretail.web import access

register = template.Library()


@register.simple_tag(takes_context=True)
def may_open(context, url_name: str) -> bool:
    return access.may_open(context["request"].user, context["store"], url_name)
