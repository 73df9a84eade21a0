"""Demo data for the loyalty programme, built through its services: 湖滨优选's earn rules,
tiers and exchange ratio; a member with offline points at 湖滨优选 (some expiring soon)
ready to convert; platform points issued against 湖滨优选 spent at another merchant last
month, and last month's settlement statements; 湖滨优选's joining reward."""

from datetime import timedelta

from django.utils import timezone

from omniretail.loyalty import coupons, exchange, members, services, settlement
from omniretail.loyalty.models import SettlementLine

MERCHANT = "hubin"
RULES = [
    ("per_item", 1, {"2": 3}, "platform"),
    ("per_yuan", 1, {}, "platform"),
    ("first_scan", 10, {}, "offline"),
    ("scan", 2, {}, "offline"),
    ("share", 5, {}, "platform"),
    ("signup", 20, {}, "offline"),
]
TIERS = [
    {"name": "银卡", "min_spend": "0"},
    {"name": "金卡", "min_spend": "2000", "min_visits": 6, "discount_percent": 5},
    {
        "name": "钻石",
        "min_spend": "10000",
        "min_visits": 24,
        "discount_percent": 10,
        "priority_service": True,
    },
]


def load(city) -> list[str]:
    """Add this programme to the demo city; return lines to print after the credentials."""
    if MERCHANT not in city.merchants or not city.shoppers:
        return []
    hubin, _owner = city.merchants[MERCHANT]
    other = next((org for code, (org, _) in city.merchants.items() if code != MERCHANT), None)
    for kind, points, tiers, target in RULES:
        services.set_earn_rule(org=hubin, kind=kind, points=points, tiers=tiers, target=target)
    members.set_tiers(org=hubin, tiers=TIERS)
    exchange.set_exchange_rule(org=hubin, offline=10, platform=1, daily_limit=2000)
    services.grant_joining_reward(org=hubin)

    shopper = city.shoppers[0]
    members.activate(user=shopper, org=hubin, name=shopper.display_name)
    offline = services.merchant_asset_code(hubin)
    today = timezone.localdate()
    for key, points, days in (("store-1", 860, 300), ("store-2", 395, 12)):
        services.award_points(
            user=shopper,
            asset_code=offline,
            points=points,
            reason="门店消费",
            idempotency_key=f"demo:{key}",
            expires_on=today + timedelta(days=days),
        )
    coupons.define_template(
        org=hubin,
        name="生日礼 满50减10",
        kind="amount",
        amount_off="10",
        min_spend="50",
        valid_days=30,
    )
    welcome = coupons.define_template(
        org=hubin,
        name="会员 9 折券（最多减 20）",
        kind="percent",
        percent_off=10,
        max_off="20",
        valid_days=60,
    )
    coupons.issue_coupon(
        template=welcome, user=shopper, source="staff", idempotency_key="demo:welcome-coupon"
    )
    coupons.define_template(  # the 领券中心 has something to claim
        org=hubin,
        name="领券中心 满30减5",
        kind="amount",
        amount_off="5",
        min_spend="30",
        valid_days=14,
        is_public=True,
        total_limit=100,
    )
    lines = [
        f"Loyalty: {shopper.phone} holds offline points at {hubin.name}, 10:1 to platform "
        "points after an SMS check (/me/points/); merchant console /merchant/loyalty/.",
        f"Loyalty: {shopper.phone} holds a 9 折 coupon at {hubin.name} (/me/coupons/), taken "
        "at checkout; a 金卡 (5 %) or 钻石 (10 %) member's tier discount comes off first "
        "(this member is 银卡: none).",
    ]
    if other is None:
        return lines

    # Last month: platform points issued against 湖滨优选 were spent on the other merchant's
    # goods, so 湖滨优选 owes it; the lines carry last month's date as they would have.
    services.award_points(
        user=shopper,
        asset_code=services.PLATFORM_POINTS,
        points=600,
        reason="订单积分",
        idempotency_key="demo:order-points",
        source_org=hubin,
    )
    spend = services.spend_points(
        user=shopper,
        asset_code=services.PLATFORM_POINTS,
        points=450,
        reason="积分抵扣",
        idempotency_key="demo:spend-elsewhere",
        spent_at_org=other,
    )
    last_month = settlement.last_ended_month()
    SettlementLine.objects.filter(posting=spend).update(
        created_at=settlement.month_bounds(last_month)[0] + timedelta(days=14)
    )
    statement = settlement.build_statement(org=hubin, month=last_month)
    settlement.build_statement(org=other, month=last_month)
    lines.append(
        f"Loyalty: statement {last_month:%Y-%m}: {hubin.name} owes {other.name} "
        f"{-statement.net_points} points = ¥{-statement.net_yuan} "
        f"(omniretail loyalty-statements --month {last_month:%Y-%m}; the platform settles "
        f"it on /ops/finance/points-statements/)."
    )
    return lines
