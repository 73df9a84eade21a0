"""提醒商家: a shopper whose paid order waits to be shipped or prepared nudges the store. The
store is told in its console; once per order per half hour, so the button cannot spam it."""

from django.utils.translation import gettext as _

from omniretail.core import throttle
from omniretail.core.errors import Conflict, PermissionDenied, RateLimited
from omniretail.notifications.services import notify
from omniretail.orders.models import Order

REMIND_EVERY_SECONDS = 30 * 60


def remind_store(*, shopper, order: Order) -> None:
    if order.shopper_id != getattr(shopper, "pk", None):
        raise PermissionDenied()
    if order.status != Order.Status.PAID:
        raise Conflict(
            _("订单状态为「%(s)s」，无需提醒商家。") % {"s": order.get_status_display()},
            code="illegal_transition",
        )
    if wait := throttle.hit("order_remind", order.public_id, 1, REMIND_EVERY_SECONDS):
        raise RateLimited(
            _("已提醒过商家，请 %(m)s 分钟后再试。") % {"m": max(1, wait // 60)},
            retry_after=wait,
        )
    what = _("备货") if order.fulfilment == Order.Fulfilment.PICKUP else _("发货")
    notify(
        organization=order.merchant,
        title=_("买家提醒%(what)s %(number)s") % {"what": what, "number": order.number},
        body=_("买家在等待订单%(what)s，请尽快处理。") % {"what": what},
        link=f"/merchant/orders/{order.public_id}/",
    )
