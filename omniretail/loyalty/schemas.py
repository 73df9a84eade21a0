from datetime import date

from ninja import Schema

from omniretail.core.money import MoneyIn


class ConvertIn(Schema):
    offline_points: int
    step_up: str


class StepUpCodeIn(Schema):
    code: str


class EarnRuleIn(Schema):
    kind: str
    points: int
    product: str | None = None
    tiers: dict[str, int] = {}
    target: str = "platform"
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
    kind: str  # "amount" | "percent"
    amount_off: MoneyIn = "0"
    percent_off: int = 0
    max_off: MoneyIn | None = None
    min_spend: MoneyIn = "0"
    valid_days: int = 30
    per_member_limit: int = 1
    for_birthday: bool = False


class CouponIssueIn(Schema):
    phone: str
