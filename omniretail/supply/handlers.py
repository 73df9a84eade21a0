"""Orders tell supply that a shopper paid; supply shares the sale among the four parties."""

from omniretail.core.events import subscribe
from omniretail.orders.events import OrderPaid, OrderRefunded
from omniretail.supply import settlement


@subscribe(OrderPaid)
def share_consumer_sale(event: OrderPaid) -> None:
    settlement.settle_consumer_sale(order_id=event.order_id)


@subscribe(OrderRefunded)
def reverse_refunded_sale(event: OrderRefunded) -> None:
    settlement.reverse_refunded_sale(order_id=event.order_id)
