"""Events payments publishes; higher domains (orders, referrals) subscribe in their handlers.
Each is written to the outbox in the same transaction as the status change it reports."""

from decimal import Decimal

from omniretail.core import events


@events.event
class PaymentSucceeded:
    intent_id: str
    purpose: str
    reference: str
    amount: Decimal
    provider: str


@events.event
class PaymentFailed:
    intent_id: str
    purpose: str
    reference: str
    reason: str


@events.event
class PaymentRefunded:
    intent_id: str
    refund_id: str
    purpose: str
    reference: str
    amount: Decimal
