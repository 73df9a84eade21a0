"""Orders tell supply that a shopper paid; supply shares the sale among the four parties."""

from omniretail.core.events import subscribe
from omniretail.orders.events import OrderPaid
from omniretail.supply import settlement


@subscribe(OrderPaid)
def share_consumer_sale(event: OrderPaid) -> None:
    settlement.settle_consumer_sale(order_id=event.order_id)
