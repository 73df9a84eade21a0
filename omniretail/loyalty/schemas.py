from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.core.money import MoneyIn
from omniretail.loyalty.models import Coupon, CouponTemplate, EarnRule


class ConvertIn(Schema):
    offline_points: int
    step_up: str


class StepUpCodeIn(Schema):
    code: str


class EarnRuleIn(Schema):
    kind: str = Field(..., json_schema_extra={"enum": EarnRule.Kind.values})
    points: int
    product: str | None = None
    tiers: dict[str, int] = {}
    target: str = Field("platform", json_schema_extra={"enum": EarnRule.Target.values})
    is_active: bool = True


class ExchangeRuleIn(Schema):
    offline: int
    platform: int
    daily_limit: int
    is_active: bool = True


class MemberIn(Schema):
    name: str = ""
    birthday: date | None = None


class MemberTierIn(Schema):
    name: str
    min_spend: MoneyIn = "0"
    min_visits: int = 0
    discount_percent: int = 0
    priority_service: bool = False


class FaceIn(Schema):
    image: str  # base64
    consent: bool = False


class CouponTemplateIn(Schema):
    name: str
    kind: str = Field(..., json_schema_extra={"enum": CouponTemplate.Kind.values})
    amount_off: MoneyIn = "0"
    percent_off: int = 0
    max_off: MoneyIn | None = None
    min_spend: MoneyIn = "0"
    valid_days: int = 30
    per_member_limit: int = 1
    platform_funded: bool = Field(
        False, description="平台补贴: each coupon issued is paid from the merchant's coupon budget"
    )


class CouponIssueIn(Schema):
    phone: str


# --- answers -------------------------------------------------------------------------------

CouponTemplateKind = Literal[tuple(CouponTemplate.Kind.values)]
ISO_DATETIME = {"format": "date-time"}


class PointsWalletOut(Schema):
    asset_code: str = Field(..., description="`platform` for platform points, else a merchant's")
    name: str
    balance: int = Field(..., description="whole points")


class PointsEntryOut(Schema):
    id: str = Field(..., description="the posting's id")
    asset_code: str
    asset_name: str
    points: int = Field(..., description="negative when points left the wallet")
    balance_after: int
    kind: str = Field(..., description="what moved the points: earn, spend, expire, exchange, …")
    reason: str
    at: datetime


class ExpiringPointsOut(Schema):
    asset_code: str
    asset_name: str
    expires_on: date
    points: int


class MembershipBenefitsOut(Schema):
    id: str = Field(..., description="the membership's id")
    tier: str = Field(..., description='the tier\'s name; "" before any tier applies')
    discount_percent: int
    priority_service: bool


class ExchangeQuoteOut(Schema):
    offline_points: int
    used: int = Field(..., description="offline points the conversion would take")
    platform_points: int
    remainder: int = Field(..., description="offline points that stay (too few for a unit)")
    ratio: str = Field(..., description='"offline:platform", e.g. "10:1"')


class StepUpCodeSentOut(Schema):
    sent: bool


class StepUpOut(Schema):
    step_up: str = Field(..., description="pass as `step_up` to the exchange")
    expires_at: datetime


class FaceEnrolmentOut(Schema):
    provider: str
    consented_at: datetime


class ConversionOut(Schema):
    id: str
    offline_points: int
    platform_points: int


class EarnRuleOut(Schema):
    id: str
    kind: Literal[tuple(EarnRule.Kind.values)]
    points: int
    product: str | None
    tiers: dict[str, int] = Field(..., description="per item: {count of items: points}")
    target: Literal[tuple(EarnRule.Target.values)]
    is_active: bool


class ExchangeRuleOut(Schema):
    offline: int
    platform: int
    daily_limit: int


class MemberTierOut(Schema):
    name: str
    rank: int


class LoyaltyMemberOut(Schema):
    id: str
    name: str
    tier: str
    activated_at: datetime | None


class StatementLineOut(Schema):
    counterparty: str = Field(..., description="the other organization's id")
    name: str
    receivable_points: int
    payable_points: int
    net_points: int
    net_yuan: str


class PointsStatementOut(Schema):
    id: str
    org: str = Field(..., description="the merchant's organization id")
    org_name: str
    month: date
    point_value: str = Field(..., description="CNY per point")
    lines: list[StatementLineOut]
    net_points: int
    net_yuan: str = Field(
        ..., description="positive: the platform pays the merchant; negative: the merchant pays"
    )
    digest: str = Field(..., description="SHA-256 of the statement's canonical JSON")
    status: str = Field(..., description="`issued` (待结算) or `settled` (已结清)")
    settled_at: datetime | None
    transfer_reference: str = Field(
        ..., description="the bank transfer's number; empty until settled"
    )


class StatementSettleIn(Schema):
    reference: str = Field(
        "", description="the bank transfer's number, 1-64 characters (may be empty only at ¥0)"
    )


class LiabilityDayOut(Schema):
    date: date
    points: int


class LiabilityOut(Schema):
    outstanding: int
    series: list[LiabilityDayOut] = Field(..., description="the outstanding points per day")


class CouponTemplateOut(Schema):
    id: str
    name: str
    kind: CouponTemplateKind
    amount_off: str
    percent_off: int
    max_off: str | None
    min_spend: str
    valid_days: int
    per_member_limit: int
    platform_funded: bool
    is_active: bool
    merchant: str | None = Field(..., description="null: the platform's, usable everywhere")


class CouponOut(Schema):
    id: str
    template: CouponTemplateOut
    status: Literal[tuple(Coupon.Status.values)]
    source: Literal[tuple(Coupon.Source.values)]
    valid_until: str = Field(..., json_schema_extra=ISO_DATETIME)
    order: str | None = Field(..., description="the order it was used for")
