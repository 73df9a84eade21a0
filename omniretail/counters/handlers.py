"""Orders drive vends and lead conversions through the outbox: a paid counter order is
what unlocks a bay; a paid order of a scanned product converts the lead."""

from omniretail.core.events import subscribe
from omniretail.counters import leads, vending
from omniretail.orders.events import OrderPaid, OrderStatusChanged
from omniretail.orders.models import Order


# a counter's order, or one paid before the event carried its fulfilment (None)
@subscribe(OrderPaid, fulfilment=(Order.Fulfilment.COUNTER, None))
def unlock_paid_vend(event: OrderPaid) -> None:
    vending.order_paid(order_id=event.order_id)


@subscribe(OrderPaid)
def convert_scan_leads(event: OrderPaid) -> None:
    leads.convert_for_order(order_id=event.order_id)


@subscribe(OrderStatusChanged, to_status=Order.Status.CANCELLED)
def cancel_unpaid_vend(event: OrderStatusChanged) -> None:
    vending.order_cancelled(order_id=event.order_id)
