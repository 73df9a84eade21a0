from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.core.money import MoneyIn
from omniretail.payments.models import CallbackLog, PaymentIntent, Refund
from omniretail.payments.providers.base import NextAction


class IntentOut(Schema):
    id: str
    purpose: str
    reference: str
    amount: str
    amount_refunded: str
    currency: str
    provider: str = Field(
        ..., description="a provider's name, as GET /api/payments/providers lists"
    )
    status: Literal[tuple(PaymentIntent.Status.values)]
    payee_id: str | None
    expires_at: datetime | None
    paid_at: datetime | None
    created_at: datetime


class StartIn(Schema):
    return_url: str = Field("", max_length=500)


class StartOut(Schema):
    intent: IntentOut
    next_action: NextAction = Field(
        ...,
        description="redirect to redirect_url, show_qr, jsapi, none (already paid), "
        "pay_at_store, or present_card at the card terminal",
    )
    redirect_url: str


class CashIn(Schema):
    organization_id: str = Field(..., max_length=26)


class RefundIn(Schema):
    amount: MoneyIn
    reason: str = Field("", max_length=200)


class RefundOut(Schema):
    id: str
    intent_id: str
    amount: str
    status: Literal[tuple(Refund.Status.values)]
    reason: str
    created_at: datetime


class CallbackOut(Schema):
    received: bool
    outcome: Literal[tuple(CallbackLog.Outcome.values)]


class WalletOut(Schema):
    currency: str
    balance: str
