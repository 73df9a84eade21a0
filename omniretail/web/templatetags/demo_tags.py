"""The embedded demo's role accounts on the sign-in page (omniretail.demo decides whether
there are any to show: only while `omniretail demo` runs a loaded demo city)."""

from django import template

register = template.Library()


@register.simple_tag
def demo_accounts() -> list[dict]:
    from omniretail.demo import sign_in_accounts  # the demo loader, read only when asked

    return sign_in_accounts()
