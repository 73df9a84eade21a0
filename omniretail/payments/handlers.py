"""Payments' own reactions to its events: a paid top-up reaches the wallet, a paid credit
repayment or instalment reaches the credit line."""

from omniretail.core.events import subscribe
from omniretail.payments import credit, instalments, topup
from omniretail.payments.events import PaymentSucceeded


@subscribe(PaymentSucceeded, purpose=topup.PURPOSE)
def top_up_paid(event: PaymentSucceeded) -> None:
    topup.credit(top_up_id=event.reference, intent_id=event.intent_id)


@subscribe(PaymentSucceeded, purpose=credit.PURPOSE)
def credit_repaid(event: PaymentSucceeded) -> None:
    instalments.repayment_paid(repayment_id=event.reference, intent_id=event.intent_id)
