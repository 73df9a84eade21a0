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


@subscribe(OrderStatusChanged)
def release_coupon_of_cancelled_order(event: OrderStatusChanged) -> None:
    """An order cancelled before payment (by the shopper, or expired) gives its coupon back."""
    if event.to_status == Order.Status.CANCELLED:
        coupons.release_for_order(order_id=event.order_id)
