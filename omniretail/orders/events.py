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


@events.event
class OrderStatusChanged:
    order_id: str
    from_status: str
    to_status: str


@events.event
class OrderRefunded:
    order_id: str
    amount: Decimal
