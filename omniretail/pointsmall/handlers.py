"""Pickup orders of the points mall move their redemptions: the store's 核销 completes a
voucher; an order cancelled before its cash part was paid gives the points back."""

from omniretail.core.events import subscribe
from omniretail.orders.events import OrderStatusChanged
from omniretail.pointsmall import services


@subscribe(OrderStatusChanged)
def pickup_order_moved(event: OrderStatusChanged) -> None:
    if event.to_status == "completed":
        services.mark_redeemed(order_id=event.order_id)
    elif event.to_status == "cancelled":
        services.refund_unpaid(order_id=event.order_id)
