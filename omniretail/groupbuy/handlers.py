"""Payments drive group seats through the outbox, as they drive orders."""

from omniretail.core.events import subscribe
from omniretail.groupbuy import settlement
from omniretail.groupbuy.models import Member
from omniretail.groupbuy.services import PURPOSE
from omniretail.orders import services as orders
from omniretail.payments.events import PaymentRefunded, PaymentSucceeded


@subscribe(PaymentSucceeded, purpose=PURPOSE)
def seat_paid(event: PaymentSucceeded) -> None:
    settlement.confirm_payment(member_id=event.reference, intent_id=event.intent_id)


@subscribe(PaymentRefunded, purpose=PURPOSE)
def voucher_order_refunded(event: PaymentRefunded) -> None:
    """A winner's voucher order is paid by the seat's intent: an after-sales refund of it
    reaches the order through here (and only a refund of that intent: one refused by
    `settlement.confirm_payment` is not the seat's)."""
    order_id = (
        Member.objects.filter(
            public_id=event.reference, intent_id=event.intent_id, order__isnull=False
        )
        .values_list("order__public_id", flat=True)
        .first()
    )
    if order_id:
        orders.record_refund(order_id=order_id, amount=event.amount)
