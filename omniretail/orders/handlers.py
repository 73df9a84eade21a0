"""Payments drive orders through the outbox: payments knows nothing of orders."""

from omniretail.core.events import subscribe
from omniretail.orders import services
from omniretail.payments.events import PaymentRefunded, PaymentSucceeded

PURPOSE = "order"


@subscribe(PaymentSucceeded)
def order_paid(event: PaymentSucceeded) -> None:
    if event.purpose == PURPOSE:
        services.mark_paid(order_id=event.reference, intent_id=event.intent_id)


@subscribe(PaymentRefunded)
def order_refunded(event: PaymentRefunded) -> None:
    if event.purpose == PURPOSE:
        services.record_refund(order_id=event.reference, amount=event.amount)
