"""The parts of 我的 that belong to other domains' reads: the order-status row (orders' tab
counts) and the member's tiers (loyalty), so the page's view stays as it is."""

from django import template
from django.utils.translation import gettext_lazy as _

from omniretail.loyalty import selectors as loyalty
from omniretail.orders import selectors as orders

register = template.Library()

ROW = (
    ("unpaid", _("待付款"), "bag"),
    ("to_fulfil", _("待发货·待自提"), "box"),
    ("to_receive", _("待收货"), "pin"),
    ("to_review", _("待评价"), "star"),
    ("after_sales", _("退款·售后"), "chat"),
)


@register.inclusion_tag("web/shop/_order_status_row.html")
def order_status_row(user) -> dict:
    counts = orders.tab_counts(user)
    return {"row": [(tab, label, icon, counts[tab]) for tab, label, icon in ROW]}


@register.simple_tag
def member_tiers(user) -> list:
    return loyalty.tiers_of(user)
