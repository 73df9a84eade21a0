"""The marketing roll-up (docs/analytics.md, "Marketing"): per merchant and local day, the
members who joined, each shopper's purchases (for the repeat rate), coupons issued and used,
referred sales and their commission, and the merchant's points flowing in and out of
members' wallets. A day is rewritten whole in one transaction (idempotent); the job
recomputes only the days touched since its last run (incremental)."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Min, Sum
from django.utils import timezone

from omniretail.accounts.models import Organization
from omniretail.analytics.models import (
    DailyBuyer,
    DailyCoupons,
    DailyMarketing,
    FirstPurchase,
    RollupMark,
)
from omniretail.analytics.services import day_bounds, touched_days
from omniretail.ledger.models import Account, Entry, Posting
from omniretail.loyalty.models import Coupon, Member
from omniretail.loyalty.services import MERCHANT_PREFIX
from omniretail.orders.models import Order
from omniretail.referrals.models import Attribution

MARK = "marketing"
NEVER = datetime(2000, 1, 1, tzinfo=UTC)  # the mark before the first run
ISSUED = {"loyalty_award", "loyalty_clawback"}
REDEEMED = {"loyalty_spend", "loyalty_convert", "loyalty_refund"}
EXPIRED = {"loyalty_expired"}


def refunded_in_full(total: Decimal, refunded: Decimal) -> bool:
    """An order whose whole amount went back is no purchase (it lowers its sale's day to
    nothing); one of ¥0 with nothing refunded still is."""
    return refunded > 0 and refunded >= total


def _row(table: dict, key) -> dict:
    return table.setdefault(key, defaultdict(lambda: 0))


def _members(start, end, days: dict) -> None:
    joined = Member.objects.filter(created_at__gte=start, created_at__lt=end)
    for r in joined.values("org_id").annotate(n=Count("id")).order_by():
        _row(days, r["org_id"])["new_members"] = r["n"]


def _buyers(start, end) -> dict[tuple, dict]:
    buyers: dict[tuple, dict] = {}
    paid = Order.objects.filter(paid_at__gte=start, paid_at__lt=end, shopper__isnull=False)
    for o in paid.values("merchant_id", "shopper_id", "total", "amount_refunded"):
        if refunded_in_full(o["total"], o["amount_refunded"]):
            continue
        row = buyers.setdefault((o["merchant_id"], o["shopper_id"]), {"orders": 0, "net": 0})
        row["orders"] += 1
        row["net"] += o["total"] - o["amount_refunded"]
    return buyers


def _coupons(start, end) -> dict[tuple, dict]:
    """(merchant, template) -> issued that day, and the day's paid orders that used one."""
    coupons: dict[tuple, dict] = {}
    issued = Coupon.objects.filter(created_at__gte=start, created_at__lt=end, org__isnull=False)
    for r in issued.values("org_id", "template_id").annotate(n=Count("id")).order_by():
        _row(coupons, (r["org_id"], r["template_id"]))["issued"] = r["n"]
    used = []
    for o in Order.objects.filter(paid_at__gte=start, paid_at__lt=end, discount_total__gt=0).values(
        "merchant_id", "total", "amount_refunded", "discount_lines"
    ):
        for line in o["discount_lines"] or []:
            if line.get("kind") == "coupon" and line.get("coupon"):
                used.append((o, line["coupon"], Decimal(line["amount"])))
    templates = dict(
        Coupon.objects.filter(public_id__in={c for _o, c, _a in used}).values_list(
            "public_id", "template_id"
        )
    )
    for o, coupon, amount in used:
        if coupon not in templates:
            continue
        row = _row(coupons, (o["merchant_id"], templates[coupon]))
        row["used"] += 1
        row["gmv"] += o["total"]
        row["refunded"] += o["amount_refunded"]
        if not refunded_in_full(o["total"], o["amount_refunded"]):
            row["discount"] += amount
    return coupons


def _referrals(start, end, days: dict) -> None:
    """Per order paid that day: an order counts when one of its referred lines is still
    kept; the lines' base, what refunds took off it, and the commission credited so far,
    net of what was clawed back."""
    orders: dict[int, set] = defaultdict(set)
    for a in Attribution.objects.filter(order__paid_at__gte=start, order__paid_at__lt=end).values(
        "order_id", "merchant_id", "base", "kept_base", "amount", "clawed_back", "status"
    ):
        row = _row(days, a["merchant_id"])
        row["referred_gmv"] += a["base"]
        row["referred_refunded"] += a["base"] - a["kept_base"]
        if a["status"] == Attribution.Status.CREDITED:
            row["referral_cost"] += a["amount"] - a["clawed_back"]
        if a["kept_base"] > 0:
            orders[a["merchant_id"]].add(a["order_id"])
    for merchant, ids in orders.items():
        days[merchant]["referred_orders"] = len(ids)


def _points(start, end, days: dict) -> None:
    """The merchants' own points moving in and out of wallets that day, by posting kind."""
    flows = (
        Entry.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            account__kind=Account.Kind.WALLET,
            account__asset__code__startswith=MERCHANT_PREFIX,
        )
        .values("account__asset__code", "posting__kind")
        .annotate(flow=Sum("amount"))
        .order_by()
    )
    flows = list(flows)
    merchants = dict(
        Organization.objects.filter(
            public_id__in={f["account__asset__code"][len(MERCHANT_PREFIX) :] for f in flows}
        ).values_list("public_id", "pk")
    )
    for f in flows:
        merchant = merchants.get(f["account__asset__code"][len(MERCHANT_PREFIX) :])
        if merchant is None:
            continue
        row, kind, flow = _row(days, merchant), f["posting__kind"], f["flow"]
        if kind in ISSUED:
            row["points_issued"] += flow
        elif kind in REDEEMED:
            row["points_redeemed"] -= flow
        elif kind in EXPIRED:
            row["points_expired"] -= flow
        else:
            row["points_other"] += flow


def _first_purchases(pairs: set[tuple]) -> None:
    """Each (merchant, shopper)'s first day again from the buyer rows."""
    by_merchant: dict[int, set] = defaultdict(set)
    for merchant, shopper in pairs:
        by_merchant[merchant].add(shopper)
    for merchant, shoppers in by_merchant.items():
        ids = list(shoppers)
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            first = dict(
                DailyBuyer.objects.filter(merchant_id=merchant, shopper_id__in=chunk)
                .values("shopper_id")
                .annotate(day=Min("day"))
                .order_by()
                .values_list("shopper_id", "day")
            )
            FirstPurchase.objects.filter(merchant_id=merchant, shopper_id__in=chunk).delete()
            FirstPurchase.objects.bulk_create(
                FirstPurchase(merchant_id=merchant, shopper_id=s, day=d) for s, d in first.items()
            )


def _lock() -> RollupMark:
    """The job's mark row, locked: runs (and days rolled up by hand) take turns, so two never
    delete and rewrite the same rows at once."""
    RollupMark.objects.get_or_create(name=MARK, defaults={"until": NEVER})
    return RollupMark.objects.select_for_update().get(name=MARK)


@transaction.atomic
def rollup_day(day: date) -> None:
    """Rewrites the day's rows from raw members, orders, coupons, attributions and ledger
    entries, then the first purchase days of the shoppers it had or has."""
    _lock()
    start, end = day_bounds(day)
    days: dict[int, dict] = {}
    _members(start, end, days)
    _referrals(start, end, days)
    _points(start, end, days)
    DailyMarketing.objects.filter(day=day).delete()
    DailyMarketing.objects.bulk_create(
        DailyMarketing(day=day, merchant_id=m, **v) for m, v in days.items()
    )

    buyers = _buyers(start, end)
    before = set(DailyBuyer.objects.filter(day=day).values_list("merchant_id", "shopper_id"))
    DailyBuyer.objects.filter(day=day).delete()
    DailyBuyer.objects.bulk_create(
        DailyBuyer(day=day, merchant_id=m, shopper_id=s, **v) for (m, s), v in buyers.items()
    )
    _first_purchases(before | set(buyers))

    DailyCoupons.objects.filter(day=day).delete()
    DailyCoupons.objects.bulk_create(
        DailyCoupons(day=day, merchant_id=m, template_id=t, **v)
        for (m, t), v in _coupons(start, end).items()
    )


def _days(first: date, last: date) -> set[date]:
    return {first + timedelta(days=i) for i in range((last - first).days + 1)}


def marketing_days(since: datetime, now: datetime) -> set[date]:
    """The sales' touched days (orders paid or changed, refunds and their sale days), the
    sale days of referrals changed since, and every day since `since` (members, coupons and
    ledger entries are written when they happen, so they touch only days from then)."""
    local = timezone.localdate
    days = touched_days(since, now) | _days(local(since), local(now))
    paid = Attribution.objects.filter(updated_at__gte=since).values_list(
        "order__paid_at", flat=True
    )
    days |= {local(t) for t in paid.distinct() if t is not None}
    return days


def _first_day(now: datetime) -> date:
    """The earliest day anything the roll-up reads happened (the first run starts there)."""
    firsts = [
        Order.objects.filter(paid_at__isnull=False).aggregate(t=Min("paid_at"))["t"],
        Member.objects.aggregate(t=Min("created_at"))["t"],
        Coupon.objects.aggregate(t=Min("created_at"))["t"],
        Posting.objects.filter(asset__code__startswith=MERCHANT_PREFIX).aggregate(
            t=Min("created_at")
        )["t"],
    ]
    return timezone.localdate(min([t for t in firsts if t is not None], default=now))


def rollup_marketing(now: datetime | None = None) -> int:
    """The scheduled job: recomputes every day touched since the last run, the first run
    every day from the first fact. The mark's row is locked for the run, so two runs take
    turns. Returns the number of days recomputed."""
    now = now or timezone.now()
    with transaction.atomic():
        mark = _lock()
        if mark.until == NEVER:
            days = _days(_first_day(now), timezone.localdate(now))
        else:
            # a little overlap: a row committed just before the last mark is seen again
            days = marketing_days(mark.until - timedelta(minutes=5), now)
        for day in sorted(days):
            rollup_day(day)
        RollupMark.objects.filter(pk=mark.pk).update(until=now)
    return len(days)
