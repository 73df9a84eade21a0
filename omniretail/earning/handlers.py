"""Orders tell loyalty what happened through the outbox; orders never imports us."""

from omniretail.core.events import subscribe
from omniretail.earning import services as earning
from omniretail.loyalty import coupons
from omniretail.orders.events import OrderPaid, OrderRefunded, OrderStatusChanged
from omniretail.orders.models import Order


@subscribe(OrderPaid)
def award_paid_order(event: OrderPaid) -> None:
    earning.award_for_order(order_id=event.order_id)


@subscribe(OrderRefunded)
def claw_back_refunded_order(event: OrderRefunded) -> None:
    earning.claw_back_for_refund(order_id=event.order_id, amount=event.amount)


@subscribe(OrderRefunded)
def return_coupon_of_refunded_order(event: OrderRefunded) -> None:
    """An order refunded in full (online, or every good of a till sale) gives its coupon
    back while it is valid; a partial refund keeps it used."""
    order = Order.objects.only("total", "amount_refunded").get(public_id=event.order_id)
    if order.amount_refunded >= order.total:
        coupons.return_for_refund(order_id=event.order_id)


@subscribe(OrderStatusChanged, to_status=Order.Status.CANCELLED)
def release_coupon_of_cancelled_order(event: OrderStatusChanged) -> None:
    """An order cancelled before payment (by the shopper, or expired) gives its coupon back."""
    coupons.release_for_order(order_id=event.order_id)
