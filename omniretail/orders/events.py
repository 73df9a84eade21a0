"""Events the orders domain publishes for the programmes above it (loyalty points, rebates,
group seats) and for notifications."""

from decimal import Decimal

from omniretail.core import events


@events.event
class OrderPaid:
    order_id: str
    shopper_id: str
    merchant_id: str
    total: Decimal
    # Order.Fulfilment's value, so a handler for some kinds (a counter's vend) is passed
    # over for the others; "" in the events published before it was carried
    fulfilment: str = ""


@events.event
class OrderStatusChanged:
    order_id: str
    from_status: str
    to_status: str


@events.event
class OrderRefunded:
    order_id: str
    amount: Decimal


@events.event
class OrderRouted:
    """A delivery order went to the `rank`-th of `candidates` locations its route offered
    (supply records why, and tells the retailer)."""

    order_id: str
    location_id: int
    rank: int
    candidates: int
    distance_m: int | None = None
