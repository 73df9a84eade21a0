"""Payments drive orders through the outbox: payments knows nothing of orders."""

from omniretail.core.events import subscribe
from omniretail.orders import services
from omniretail.orders.models import Order
from omniretail.payments.events import PaymentRefunded, PaymentSucceeded

PURPOSE = "order"


@subscribe(PaymentSucceeded, purpose=PURPOSE)
def order_paid(event: PaymentSucceeded) -> None:
    services.mark_paid(order_id=event.reference, intent_id=event.intent_id)


@subscribe(PaymentRefunded, purpose=PURPOSE)
def order_refunded(event: PaymentRefunded) -> None:
    """Only a refund of the money that paid the order is the order's: an intent refused by
    `mark_paid` (not the order's, or not its total) goes back without touching it."""
    paid_by_it = (
        Order.objects.filter(public_id=event.reference, payment_intent_id=event.intent_id)
        .exclude(status=Order.Status.PENDING_PAYMENT)
        .exists()
    )
    if paid_by_it:
        services.record_refund(order_id=event.reference, amount=event.amount)
