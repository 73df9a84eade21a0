"""The operator's economics page over the platform roll-ups (models_platform) only: points
liability per programme, settlement between organisations, group-buy and referral
economics, for a period beside the previous one of the same length."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.analytics.models import (
    DailyGroupBuy,
    DailyPoints,
    DailyReferral,
    DailySettlement,
)
from omniretail.analytics.selectors import Period, _change, _compare, rollup
from omniretail.core.errors import NotFound
from omniretail.core.money import CENT, money
from omniretail.ledger.services import PLATFORM_POINTS
from omniretail.ledger.units import fen_to_yuan
from omniretail.loyalty.models import ExchangeRule
from omniretail.loyalty.settlement import point_value

FLOWS = (
    "issued",
    "converted_in",
    "returned",
    "redeemed",
    "expired",
    "converted_out",
    "clawed_back",
)
GROUPBUY = (
    "joins",
    "paid",
    "paid_amount",
    "refunds",
    "refunded_amount",
    "groups_drawn",
    "winners",
    "redeemed",
    "consolation_points",
    "consolation_coupons",
    "coupon_value",
)
REFERRAL = (
    "orders",
    "gmv",
    "refunded",
    "commission",
    "rebates",
    "rebate_points",
    "clawed_back",
    "reversed",
    "clicks",
    "share_points",
    "payouts",
)
SETTLEMENT = ("receivable_points", "payable_points", "shares_fen", "reversed_fen", "paid_out_fen")


def _in(model, p: Period):
    return rollup(model).filter(day__gte=p.start, day__lte=p.end)


def _yuan(points: int, value: Decimal | None) -> Decimal | None:
    return None if value is None else (points * value).quantize(CENT)


def point_values() -> dict[int | None, Decimal]:
    """Yuan per point of each programme that has a value: the platform's points at the
    configured value (OMNI_POINT_VALUE_YUAN), a merchant's points at its active exchange
    ratio into platform points; a merchant without one has no value (not in the dict)."""
    value = point_value()
    values: dict[int | None, Decimal] = {None: value}
    for org, offline, platform in ExchangeRule.objects.filter(is_active=True).values_list(
        "org_id", "offline", "platform"
    ):
        values[org] = value * platform / offline
    return values


def _programmes(p: Period, values) -> list[dict]:
    """Each programme: members' outstanding points at the period's end (and the previous
    period's end), what flowed in the period and the previous one."""
    prev = p.previous()
    sums = {f: Sum(f) for f in FLOWS}
    now = {
        r["asset_id"]: r for r in _in(DailyPoints, p).values("asset_id").annotate(**sums).order_by()
    }
    before = {
        r["asset_id"]: r
        for r in _in(DailyPoints, prev).values("asset_id").annotate(**sums).order_by()
    }
    held = {
        r["asset_id"]: r
        for r in rollup(DailyPoints)
        .filter(day__lte=p.end)
        .values("asset_id", "asset__code", "asset__name", "merchant_id", "merchant__name")
        .annotate(end=Sum("net"))
        .order_by()
    }
    held_before = dict(
        rollup(DailyPoints)
        .filter(day__lte=prev.end)
        .values("asset_id")
        .annotate(end=Sum("net"))
        .values_list("asset_id", "end")
        .order_by()
    )
    rows = []
    for asset, h in held.items():
        merchant = h["merchant_id"]
        value = values.get(merchant) if merchant or h["asset__code"] == PLATFORM_POINTS else None
        flows = {f: (now.get(asset) or {}).get(f) or 0 for f in FLOWS}
        previous = {f: (before.get(asset) or {}).get(f) or 0 for f in FLOWS}
        rows.append(
            {
                "asset_id": asset,
                "name": _("平台积分") if merchant is None else h["merchant__name"],
                "merchant_id": merchant,
                "value": value,
                "outstanding": h["end"] or 0,
                "outstanding_yuan": _yuan(h["end"] or 0, value),
                "previous_outstanding": held_before.get(asset) or 0,
                **flows,
                "redeemed_net": flows["redeemed"] - flows["returned"],
                "previous": {
                    **previous,
                    "redeemed_net": previous["redeemed"] - previous["returned"],
                },
            }
        )
    return sorted(rows, key=lambda r: (r["merchant_id"] is not None, -(r["outstanding_yuan"] or 0)))


def _daily_points(p: Period, values) -> list[dict]:
    """Every day of the period in yuan over the programmes with a value: issued, redeemed
    (less returned), expired, and members' holding at the day's end."""
    rows = _in(DailyPoints, p).values("day", "merchant_id", "asset__code", *FLOWS, "net")
    opening = (
        rollup(DailyPoints)
        .filter(day__lt=p.start)
        .values("merchant_id", "asset__code")
        .annotate(net=Sum("net"))
        .order_by()
    )

    def value_of(r):
        if r["merchant_id"] is None and r["asset__code"] != PLATFORM_POINTS:
            return None
        return values.get(r["merchant_id"])

    held = sum((r["net"] or 0) * v for r in opening if (v := value_of(r)) is not None) or Decimal(0)
    days: dict[date, dict] = defaultdict(lambda: defaultdict(Decimal))
    for r in rows:
        v = value_of(r)
        if v is None:
            continue
        cell = days[r["day"]]
        cell["issued"] += (r["issued"] + r["converted_in"]) * v
        cell["redeemed"] += (r["redeemed"] - r["returned"]) * v
        cell["expired"] += r["expired"] * v
        cell["net"] += r["net"] * v
    out, day = [], p.start
    while day <= p.end:
        cell = days.get(day, {})
        held += cell.get("net", 0)
        out.append(
            {
                "day": day,
                "issued": money(cell.get("issued", 0)),
                "redeemed": money(cell.get("redeemed", 0)),
                "expired": money(cell.get("expired", 0)),
                "liability": money(held),
            }
        )
        day += timedelta(days=1)
    return out


def _settlement(p: Period, value: Decimal) -> list[dict]:
    """Each organisation: points owed to and by it between merchants, its channel shares
    credited, reversed and paid out in the period, and what it was still owed at the end."""
    sums = {f: Sum(f) for f in SETTLEMENT}
    rows = {
        r["org_id"]: r
        for r in _in(DailySettlement, p)
        .values("org_id", "org__public_id", "org__name")
        .annotate(**sums)
        .order_by()
    }
    owed = dict(
        rollup(DailySettlement)
        .filter(day__lte=p.end, counterparty__isnull=True)
        .values("org_id")
        .annotate(o=Sum("shares_fen") - Sum("reversed_fen") - Sum("paid_out_fen"))
        .values_list("org_id", "o")
        .order_by()
    )
    out = []
    for org, r in rows.items():
        net = (r["receivable_points"] or 0) - (r["payable_points"] or 0)
        out.append(
            {
                "public_id": r["org__public_id"],
                "name": r["org__name"],
                "receivable_points": r["receivable_points"] or 0,
                "payable_points": r["payable_points"] or 0,
                "net_points": net,
                "net_yuan": _yuan(net, value),
                "shares": fen_to_yuan(r["shares_fen"] or 0),
                "reversed": fen_to_yuan(r["reversed_fen"] or 0),
                "paid_out": fen_to_yuan(r["paid_out_fen"] or 0),
                "outstanding": fen_to_yuan(owed.get(org) or 0),
            }
        )
    return sorted(out, key=lambda r: (-r["shares"], -abs(r["net_points"]), r["public_id"]))


def _groupbuys(p: Period, value: Decimal) -> list[dict]:
    rows = (
        _in(DailyGroupBuy, p)
        .values("campaign_id", "campaign__public_id", "campaign__title", "merchant__name")
        .annotate(**{f: Sum(f) for f in GROUPBUY})
        .order_by()
    )
    out = []
    for r in rows:
        r = {k: v or 0 for k, v in r.items()}
        for f in ("paid_amount", "refunded_amount", "coupon_value"):
            r[f] = money(r[f])
        r["gmv"] = r["paid_amount"] - r["refunded_amount"]
        r["cost"] = _yuan(r["consolation_points"], value) + r["coupon_value"]
        out.append(r)
    return sorted(out, key=lambda r: (-r["gmv"], r["campaign_id"]))


def _referrals(p: Period, value: Decimal) -> list[dict]:
    rows = (
        _in(DailyReferral, p)
        .values("merchant_id", "merchant__name")
        .annotate(**{f: Sum(f) for f in REFERRAL})
        .order_by()
    )
    return sorted(
        (_referral_costs({k: v or 0 for k, v in r.items()}, value) for r in rows),
        key=lambda r: (-r["gmv"], r["merchant_id"]),
    )


def _referral_costs(r: dict, value: Decimal) -> dict:
    """Cost: cash rewards less what refunds clawed back, plus points (rebates and share
    points) at the platform point value; its share of the referred sales net of refunds."""
    for f in ("gmv", "refunded", "commission", "rebates", "clawed_back", "payouts"):
        r[f] = money(r[f])
    r["net_gmv"] = r["gmv"] - r["refunded"]
    points = _yuan(r["rebate_points"] + r["share_points"], value)
    r["cost"] = r["commission"] + r["rebates"] - r["clawed_back"] + points
    r["cost_share"] = round(r["cost"] * 100 / r["net_gmv"], 1) if r["net_gmv"] else None
    return r


def _worth(programmes: list[dict], *flows: str) -> Decimal:
    """What some flows of the programmes with a value come to in yuan."""
    return sum(
        (_yuan(sum(r[f] for f in flows), r["value"]) for r in programmes if r["value"] is not None),
        Decimal(0),
    )


def _headline(p: Period, values) -> dict:
    value = values[None]
    programmes = _programmes(p, values)
    settlement = _settlement(p, value)
    groupbuys = _groupbuys(p, value)
    merchants = _referrals(p, value)
    referrals = _referral_costs({f: sum(r[f] for r in merchants) for f in REFERRAL}, value)
    return {
        "referrals": merchants,
        "programmes": programmes,
        "settlement": settlement,
        "groupbuys": groupbuys,
        "figures": {
            "liability": sum((r["outstanding_yuan"] or 0 for r in programmes), Decimal(0)),
            "points_issued": _worth(programmes, "issued", "converted_in"),
            "points_redeemed": _worth(programmes, "redeemed_net"),
            "points_expired": _worth(programmes, "expired"),
            "between_merchants": _yuan(sum(r["receivable_points"] for r in settlement), value),
            "shares": sum((r["shares"] - r["reversed"] for r in settlement), Decimal(0)),
            "paid_out": sum((r["paid_out"] for r in settlement), Decimal(0)),
            "unsettled": sum((r["outstanding"] for r in settlement), Decimal(0)),
            "groupbuy_gmv": sum((r["gmv"] for r in groupbuys), Decimal(0)),
            "groupbuy_winners": sum(r["winners"] for r in groupbuys),
            "groupbuy_cost": sum((r["cost"] for r in groupbuys), Decimal(0)),
            "referred_gmv": referrals["net_gmv"],
            "referral_cost": referrals["cost"],
            "referral_cost_share": referrals["cost_share"] or 0,
        },
    }


def economics_report(p: Period) -> dict:
    """The whole page: headline figures against the previous period, each programme, each
    organisation's settlement, each group buy, each merchant's referrals and the daily
    points series."""
    values = point_values()
    prev = p.previous()
    now, before = _headline(p, values), _headline(prev, values)
    previous_programmes = {r["asset_id"]: r for r in before["programmes"]}
    for r in now["programmes"]:
        r["change"] = _change(
            r["outstanding"], previous_programmes.get(r["asset_id"], {}).get("outstanding", 0)
        )
    return {
        "period": p,
        "previous_period": prev,
        "point_value": values[None],
        "figures": _compare(now["figures"], before["figures"]),
        "programmes": now["programmes"],
        "settlement": now["settlement"],
        "groupbuys": now["groupbuys"],
        "referrals": now["referrals"],
        "daily": _daily_points(p, values),
    }


def org_settlement(public_id: str, p: Period) -> dict:
    """One organisation's settlement: per counterparty (points) and per day (shares); 404
    for an organisation the roll-up does not know."""
    org = Organization.objects.filter(public_id=public_id).first()
    if org is None:
        raise NotFound(_("找不到该机构。"))
    value = point_value()
    rows = _in(DailySettlement, p).filter(org=org)
    counterparties = []
    for r in (
        rows.filter(counterparty__isnull=False)
        .values("counterparty__public_id", "counterparty__name")
        .annotate(receivable=Sum("receivable_points"), payable=Sum("payable_points"))
        .order_by("counterparty__name")
    ):
        net = r["receivable"] - r["payable"]
        counterparties.append({**r, "net": net, "net_yuan": _yuan(net, value)})
    daily = [
        {
            "day": r["day"],
            "shares": fen_to_yuan(r["s"] or 0),
            "reversed": fen_to_yuan(r["r"] or 0),
            "paid_out": fen_to_yuan(r["o"] or 0),
            "receivable": r["rp"] or 0,
            "payable": r["pp"] or 0,
        }
        for r in rows.values("day")
        .annotate(
            s=Sum("shares_fen"),
            r=Sum("reversed_fen"),
            o=Sum("paid_out_fen"),
            rp=Sum("receivable_points"),
            pp=Sum("payable_points"),
        )
        .order_by("day")
    ]
    return {"org": org, "period": p, "counterparties": counterparties, "daily": daily}
