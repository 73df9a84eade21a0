"""Orders tell supply where a routed order went (supply records why) and that a shopper
paid (supply shares the sale among the four parties)."""

from omniretail.core.events import subscribe
from omniretail.orders.events import OrderPaid, OrderRefunded, OrderRouted
from omniretail.supply import routing, settlement


@subscribe(OrderPaid)
def share_consumer_sale(event: OrderPaid) -> None:
    settlement.settle_consumer_sale(order_id=event.order_id)


@subscribe(OrderRefunded)
def reverse_refunded_sale(event: OrderRefunded) -> None:
    settlement.reverse_refunded_sale(order_id=event.order_id)


@subscribe(OrderRouted)
def record_routing(event: OrderRouted) -> None:
    routing.record_decision(
        order_id=event.order_id,
        location_id=event.location_id,
        rank=event.rank,
        candidates=event.candidates,
        distance_m=event.distance_m,
    )
