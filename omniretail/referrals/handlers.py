"""Orders tell referrals what happened through the outbox; orders never imports us."""

from omniretail.core.events import subscribe
from omniretail.orders.events import OrderPaid, OrderRefunded
from omniretail.referrals import rewards, services


@subscribe(OrderPaid)
def attribute_paid_order(event: OrderPaid) -> None:
    services.attribute_order(order_id=event.order_id)


@subscribe(OrderRefunded)
def reduce_refunded_rewards(event: OrderRefunded) -> None:
    rewards.apply_refund(order_id=event.order_id)
