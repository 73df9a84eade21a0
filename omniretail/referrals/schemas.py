from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.core.money import MoneyIn
from omniretail.referrals.models import Attribution, Form, PayoutRequest

# Money and rates travel as decimal strings ("39.90", "0.0500"); points as integers.


class ShareIn(Schema):
    product: str = Field(..., max_length=26)


class ShareOut(Schema):
    token: str
    url: str
    product: str
    points_awarded: int


class VisitIn(Schema):
    token: str = Field(..., max_length=64)


class VisitOut(Schema):
    product: str
    product_name: str
    visited_at: datetime


class LinkOut(Schema):
    token: str
    url: str
    product: str
    product_name: str
    clicks: int
    sales: int
    created_at: datetime


class EarningOut(Schema):
    id: str
    kind: Literal[tuple(Attribution.Kind.values)]
    status: Literal[tuple(Attribution.Status.values)]
    form: Literal[tuple(Form.values)]
    merchant: str
    product: str
    product_name: str
    order_number: str
    base: str
    kept_base: str
    rate: str
    month_rank: int | None
    amount: str
    points: int
    clawed_back: str
    created_at: datetime
    credited_at: datetime | None


class SummaryOut(Schema):
    pending_sales: int
    pending_rebates: str
    cash_rebates: str
    cash_taken_back: str
    points_rebates: int
    commission: str
    cash_owed: str
    points_owed: int
    links: int


class TierOut(Schema):
    up_to: int | None
    rate: str


class ResellerOut(Schema):
    id: str
    merchant: str
    merchant_name: str
    granted_at: datetime
    reward_amount: str
    frozen: str
    withdrawable: str
    requested: str
    next_release: datetime | None
    month_orders: int
    next_rate: str
    payout_minimum: str
    tiers: list[TierOut]


class StatementOut(Schema):
    month: date
    orders: int
    opening: str
    earned: str
    taken_back: str
    withdrawn: str
    closing: str


class PayoutIn(Schema):
    amount: MoneyIn


class PayoutOut(Schema):
    id: str
    reseller: str
    reseller_name: str
    amount: str
    status: Literal[tuple(PayoutRequest.Status.values)]
    reason: str
    created_at: datetime
    decided_at: datetime | None


class PayoutDecisionIn(Schema):
    approve: bool
    reason: str = Field("", max_length=200)


class RebateTierIn(Schema):
    up_to: int | None = Field(None, ge=1, le=10_000)
    rate: str = Field(..., max_length=12)


class ProgrammeIn(Schema):
    is_active: bool | None = None
    rebate_rate: str | None = Field(None, max_length=12)
    rebate_form: str | None = Field(None, max_length=10)
    attribution_days: int | None = Field(None, ge=1, le=90)
    reseller_threshold: int | None = Field(None, ge=1, le=1000)
    tiers: list[RebateTierIn] | None = Field(None, max_length=6)
    payout_minimum: str | None = Field(None, max_length=20)
    freeze_days: int | None = Field(None, ge=0, le=90)


class ProductRateOut(Schema):
    product: str
    product_name: str
    rate: str


class ProgrammeOut(Schema):
    merchant: str
    is_active: bool
    rebate_rate: str
    rebate_form: str
    attribution_days: int
    reseller_threshold: int
    tiers: list[TierOut]
    payout_minimum: str
    freeze_days: int
    product_rates: list[ProductRateOut]


class ProductRateIn(Schema):
    rate: str | None = Field(None, max_length=12, description="null: back to the default")
