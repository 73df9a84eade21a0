"""Pickup orders of the points mall move their redemptions: the store's 核销 completes a
voucher; an order cancelled before its cash part was paid gives the points back."""

from omniretail.core.events import subscribe
from omniretail.orders.events import OrderStatusChanged
from omniretail.orders.models import Order
from omniretail.pointsmall import services

S = Order.Status


@subscribe(OrderStatusChanged, to_status=(S.COMPLETED, S.CANCELLED))
def pickup_order_moved(event: OrderStatusChanged) -> None:
    if event.to_status == S.COMPLETED:
        services.mark_redeemed(order_id=event.order_id)
    else:
        services.refund_unpaid(order_id=event.order_id)
