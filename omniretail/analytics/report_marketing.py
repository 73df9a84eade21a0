"""A merchant's marketing report over the marketing roll-ups only (never raw orders, members,
coupons or ledger rows): member growth, repeat and returning buyers, coupon and referral
ROI, its points issued, redeemed and expired, each beside the previous period."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import F, Sum

from omniretail.analytics.models import DailyBuyer, DailyCoupons, DailyMarketing, FirstPurchase
from omniretail.analytics.selectors import Period, _change, rollup
from omniretail.core.money import money

_DAILY = (
    "new_members",
    "referred_orders",
    "referred_gmv",
    "referred_refunded",
    "referral_cost",
    "points_issued",
    "points_redeemed",
    "points_expired",
    "points_other",
)
_MONEY = {
    "referred_gmv",
    "referred_refunded",
    "referral_cost",
    "coupon_cost",
    "coupon_gmv",
    "coupon_refunded",
}
_LIABILITY = Sum(
    F("points_issued") - F("points_redeemed") - F("points_expired") + F("points_other")
)


def roi(net, cost) -> Decimal | None:
    """(net sales − cost) / cost to two places; none without a cost."""
    return ((Decimal(net) - cost) / cost).quantize(Decimal("0.01")) if cost else None


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None


def _sums(row: dict) -> dict:
    return {k: money(v or 0) if k in _MONEY else v or 0 for k, v in row.items()}


def _buyers(merchant, p: Period) -> dict:
    rows = rollup(DailyBuyer).filter(merchant=merchant, day__gte=p.start, day__lte=p.end)
    buyers = rows.values("shopper_id").distinct().count()
    repeat = rows.values("shopper_id").annotate(n=Sum("orders")).filter(n__gte=2).order_by().count()
    new = rollup(FirstPurchase).filter(merchant=merchant, day__gte=p.start, day__lte=p.end).count()
    return {
        "buyers": buyers,
        "repeat_buyers": repeat,
        "returning_buyers": buyers - new,
        "repeat_rate": _rate(repeat, buyers),
        "returning_rate": _rate(buyers - new, buyers),
    }


def _coupon_totals(merchant, p: Period) -> dict:
    agg = _sums(
        rollup(DailyCoupons)
        .filter(merchant=merchant, day__gte=p.start, day__lte=p.end)
        .aggregate(
            coupons_issued=Sum("issued"),
            coupons_used=Sum("used"),
            coupon_cost=Sum("discount"),
            coupon_gmv=Sum("gmv"),
            coupon_refunded=Sum("refunded"),
        )
    )
    net = agg["coupon_gmv"] - agg.pop("coupon_refunded")
    return {**agg, "coupon_net": net, "coupon_roi": roi(net, agg["coupon_cost"])}


def _totals(merchant, p: Period) -> dict:
    rows = rollup(DailyMarketing).filter(merchant=merchant)
    agg = _sums(
        rows.filter(day__gte=p.start, day__lte=p.end).aggregate(**{k: Sum(k) for k in _DAILY})
    )
    upto = rows.filter(day__lte=p.end).aggregate(members=Sum("new_members"), liability=_LIABILITY)
    referred_net = agg["referred_gmv"] - agg["referred_refunded"]
    return {
        "new_members": agg["new_members"],
        "members": upto["members"] or 0,
        **_buyers(merchant, p),
        **_coupon_totals(merchant, p),
        "referred_orders": agg["referred_orders"],
        "referred_net": referred_net,
        "referral_cost": agg["referral_cost"],
        "referral_roi": roi(referred_net, agg["referral_cost"]),
        "points_issued": agg["points_issued"],
        "points_redeemed": agg["points_redeemed"],
        "points_expired": agg["points_expired"],
        "points_liability": upto["liability"] or 0,
    }


def _compare(current: dict, previous: dict) -> dict:
    """Each figure beside the previous period's; no change when either has none."""
    return {
        k: {
            "value": v,
            "previous": previous[k],
            "change": None if v is None or previous[k] is None else _change(v, previous[k]),
        }
        for k, v in current.items()
    }


def _daily(merchant, p: Period) -> list[dict]:
    """Every day of the period (days without rows as zero) with the members and the points
    liability at the end of it."""
    rows = rollup(DailyMarketing).filter(merchant=merchant)
    before = rows.filter(day__lt=p.start).aggregate(
        members=Sum("new_members"), liability=_LIABILITY
    )
    members, liability = before["members"] or 0, before["liability"] or 0
    by_day = {
        r["day"]: r
        for r in rows.filter(day__gte=p.start, day__lte=p.end)
        .values("day")
        .annotate(**{k: Sum(k) for k in _DAILY})
        .order_by()
    }
    daily = []
    for i in range(p.days):
        day = p.start + timedelta(days=i)
        row = _sums({k: by_day.get(day, {}).get(k, 0) for k in _DAILY})
        members += row["new_members"]
        liability += (
            row["points_issued"]
            - row["points_redeemed"]
            - row["points_expired"]
            + row["points_other"]
        )
        daily.append(
            {
                **row,
                "day": day,
                "members": members,
                "points_liability": liability,
                "referred_net": row["referred_gmv"] - row["referred_refunded"],
            }
        )
    return daily


def _coupons(merchant, p: Period) -> list[dict]:
    """One row per coupon template issued or used in the period, by net sales."""
    rows = (
        rollup(DailyCoupons)
        .filter(merchant=merchant, day__gte=p.start, day__lte=p.end)
        .values("template_id", "template__public_id", "template__name", "template__org_id")
        .annotate(
            issued=Sum("issued"),
            used=Sum("used"),
            discount=Sum("discount"),
            gmv=Sum("gmv"),
            refunded=Sum("refunded"),
        )
        .order_by()
    )
    found = []
    for r in rows:
        r = {**r, **{k: money(r[k] or 0) for k in ("discount", "gmv", "refunded")}}
        net = r["gmv"] - r["refunded"]
        found.append(
            {
                **r,
                "net": net,
                "roi": roi(net, r["discount"]),
                "platform": r["template__org_id"] is None,
            }
        )
    return sorted(found, key=lambda r: (-r["net"], -r["issued"], r["template_id"]))


def marketing_report(merchant, p: Period) -> dict:
    """The merchant's marketing figures for `p` beside the previous period's, per day, and
    per coupon template."""
    prev = p.previous()
    return {
        "period": p,
        "previous_period": prev,
        "figures": _compare(_totals(merchant, p), _totals(merchant, prev)),
        "daily": _daily(merchant, p),
        "coupons": _coupons(merchant, p),
    }
