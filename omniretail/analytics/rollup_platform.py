"""The platform economics roll-up (models_platform), the scheduled job behind the operator's
economics page: a day is recomputed whole from the ledger's points entries, loyalty's
settlement lines, supply's profit shares and payouts, group-buy seats and referral
attributions, in one transaction (idempotent).

Incremental: almost every fact is written with the moment it happened (ledger entries,
settlement lines, seats joined, paid, refunded and drawn, payouts, clicks), so the days to
recompute are those between the last run and now. Two kinds are dated otherwise and are
looked up: a referral's sale day (its refunds and reward change later: `updated_at`) and a
profit share dated by its sale (the postings written since the last run point at them)."""

from collections import defaultdict
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from omniretail.accounts.models import Organization
from omniretail.analytics.models import (
    DailyGroupBuy,
    DailyPoints,
    DailyReferral,
    DailySettlement,
)
from omniretail.analytics.services import day_bounds, days_between, lock_day, run_rollup
from omniretail.groupbuy.models import Group
from omniretail.groupbuy.models import Member as GroupMember
from omniretail.ledger.models import Account, Asset, Entry, Posting
from omniretail.loyalty.models import Conversion, Coupon, CouponTemplate, SettlementLine
from omniretail.loyalty.services import MERCHANT_PREFIX
from omniretail.referrals.models import Attribution, Form, PayoutRequest, ShareAward, ShareVisit
from omniretail.supply.models import Allocation, Statement

MARK = "platform"
WALLETS = {
    "account__owner_type": "user",
    "account__kind": Account.Kind.WALLET,
    "account__asset__kind": Asset.Kind.POINTS,
}
# Ledger posting kind -> the roll-up's column: credits to members' wallets, then debits.
CREDITS = {"loyalty_award": "issued", "loyalty_refund": "returned"}
DEBITS = {
    "loyalty_spend": "redeemed",
    "loyalty_expired": "expired",
    "loyalty_convert": "converted_out",
    "loyalty_clawback": "clawed_back",
}
COUPON_KEY = "groupbuy:consolation-coupon:"  # groupbuy.selectors.consolation_coupon_key


def _points(start: datetime, end: datetime) -> list[DailyPoints]:
    """Members' wallets of every points programme: the day's entries by posting kind; the
    platform points a conversion gave count as converted, not issued."""
    entries = Entry.objects.filter(created_at__gte=start, created_at__lt=end, **WALLETS)
    cells: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    for r in entries.values("account__asset_id", "posting__kind").annotate(
        plus=Sum("amount", filter=Q(amount__gt=0)), minus=Sum("amount", filter=Q(amount__lt=0))
    ):
        cell = cells[r["account__asset_id"]]
        plus, minus = r["plus"] or 0, -(r["minus"] or 0)
        if column := CREDITS.get(r["posting__kind"]):
            cell[column] += plus
        if column := DEBITS.get(r["posting__kind"]):
            cell[column] += minus
        cell["net"] += plus - minus
    converted = Conversion.objects.filter(
        platform_posting__created_at__gte=start, platform_posting__created_at__lt=end
    ).values("platform_posting_id")
    for r in (
        entries.filter(posting_id__in=converted)
        .values("account__asset_id")
        .annotate(points=Sum("amount"))
    ):
        cell = cells[r["account__asset_id"]]
        cell["converted_in"] += r["points"]
        cell["issued"] -= r["points"]
    codes = dict(Asset.objects.filter(pk__in=cells).values_list("pk", "code"))
    merchants = dict(
        Organization.objects.filter(
            public_id__in=[c[len(MERCHANT_PREFIX) :] for c in codes.values()]
        ).values_list("public_id", "pk")
    )
    return [
        DailyPoints(
            asset_id=asset,
            merchant_id=merchants.get(codes[asset].removeprefix(MERCHANT_PREFIX))
            if codes[asset].startswith(MERCHANT_PREFIX)
            else None,
            **values,
        )
        for asset, values in cells.items()
    ]


def _settlement(start: datetime, end: datetime) -> list[DailySettlement]:
    """Points owed between merchants (both sides of each line) and each organisation's
    channel shares credited, reversed and paid out."""
    cells: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    lines = SettlementLine.objects.filter(created_at__gte=start, created_at__lt=end)
    for r in lines.values("issuer_id", "spender_id").annotate(points=Sum("points")):
        cells[(r["spender_id"], r["issuer_id"])]["receivable_points"] += r["points"]
        cells[(r["issuer_id"], r["spender_id"])]["payable_points"] += r["points"]
    shares = Allocation.objects.filter(created_at__gte=start, created_at__lt=end)
    for r in shares.values("organization_id").annotate(
        shares=Sum("amount_fen", filter=Q(kind=Allocation.Kind.SHARE)),
        reversed=Sum("amount_fen", filter=Q(kind=Allocation.Kind.REFUND)),
    ):
        cell = cells[(r["organization_id"], None)]
        cell["shares_fen"] += r["shares"] or 0
        cell["reversed_fen"] -= r["reversed"] or 0
    paid = Statement.objects.filter(
        status=Statement.Status.PAID, paid_at__gte=start, paid_at__lt=end
    )
    for r in paid.values("organization_id").annotate(total=Sum("total_fen")):
        cells[(r["organization_id"], None)]["paid_out_fen"] += r["total"] or 0
    return [
        DailySettlement(org_id=org, counterparty_id=other, **values)
        for (org, other), values in cells.items()
        if any(values.values())
    ]


def _groupbuy(start: datetime, end: datetime) -> list[DailyGroupBuy]:
    """Each campaign's events of the day; a refund is of a seat that had been paid (a
    payment that arrived after its seat lapsed goes back without ever counting)."""
    cells: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    seats = GroupMember.objects.values("campaign_id")

    def add(rows, **columns):
        for r in rows:
            for column, source in columns.items():
                cells[r["campaign_id"]][column] += r[source] or 0

    add(
        seats.filter(joined_at__gte=start, joined_at__lt=end).annotate(n=Count("id")),
        joins="n",
    )
    add(
        seats.filter(paid_at__gte=start, paid_at__lt=end).annotate(
            n=Count("id"), amount=Sum("amount")
        ),
        paid="n",
        paid_amount="amount",
    )
    add(
        seats.filter(refunded_at__gte=start, refunded_at__lt=end, paid_at__isnull=False).annotate(
            n=Count("id"), amount=Sum("amount"), points=Sum("consolation_points")
        ),
        refunds="n",
        refunded_amount="amount",
        consolation_points="points",
    )
    add(
        seats.filter(order__completed_at__gte=start, order__completed_at__lt=end).annotate(
            n=Count("id")
        ),
        redeemed="n",
    )
    for campaign, winners in Group.objects.filter(
        drawn_at__gte=start, drawn_at__lt=end
    ).values_list("campaign_id", "winners"):
        cells[campaign]["groups_drawn"] += 1
        cells[campaign]["winners"] += len(winners)
    coupons = Coupon.objects.filter(
        source=Coupon.Source.GROUPBUY, created_at__gte=start, created_at__lt=end
    ).values_list("issue_key", "template__kind", "template__amount_off")
    members = dict(
        GroupMember.objects.filter(
            public_id__in=[key.removeprefix(COUPON_KEY) for key, _k, _a in coupons]
        ).values_list("public_id", "campaign_id")
    )
    for key, kind, amount_off in coupons:
        campaign = members.get(key.removeprefix(COUPON_KEY))
        if campaign is not None:
            cells[campaign]["consolation_coupons"] += 1
            if kind == CouponTemplate.Kind.AMOUNT:
                cells[campaign]["coupon_value"] += amount_off
    merchants = dict(
        GroupMember.objects.filter(campaign_id__in=cells)
        .values_list("campaign_id", "campaign__merchant_id")
        .distinct()
    )
    return [
        DailyGroupBuy(campaign_id=c, merchant_id=merchants[c], **values)
        for c, values in cells.items()
    ]


def _referrals(day: date, start: datetime, end: datetime) -> list[DailyReferral]:
    """The sales referred that day (with what refunds and rewards did to them since), and
    the clicks, share points and approved payouts of the day."""
    cells: dict[int, dict] = defaultdict(lambda: defaultdict(int))

    def add(rows, key, **columns):
        for r in rows:
            for column, source in columns.items():
                cells[r[key]][column] += r[source] or 0

    sales = list(
        Attribution.objects.filter(created_at__gte=start, created_at__lt=end)
        .values("merchant_id")
        .annotate(
            orders=Count("order_id", distinct=True),
            gmv=Sum("base"),
            kept=Sum("kept_base"),
            commission=Sum("amount", filter=Q(kind=Attribution.Kind.COMMISSION)),
            rebates=Sum("amount", filter=Q(kind=Attribution.Kind.REBATE, form=Form.CASH)),
            rebate_points=Sum("points", filter=Q(form=Form.POINTS)),
            clawed_back=Sum("clawed_back"),
            reversed=Count("id", filter=Q(status=Attribution.Status.REVERSED)),
        )
    )
    for r in sales:
        r["refunded"] = r["gmv"] - r["kept"]
    add(
        sales,
        "merchant_id",
        orders="orders",
        gmv="gmv",
        refunded="refunded",
        commission="commission",
        rebates="rebates",
        rebate_points="rebate_points",
        clawed_back="clawed_back",
        reversed="reversed",
    )
    add(
        ShareVisit.objects.filter(visited_at__gte=start, visited_at__lt=end)
        .values("link__product__owner_id")
        .annotate(n=Count("id")),
        "link__product__owner_id",
        clicks="n",
    )
    add(
        ShareAward.objects.filter(day=day).values("product__owner_id").annotate(p=Sum("points")),
        "product__owner_id",
        share_points="p",
    )
    add(
        PayoutRequest.objects.filter(
            status=PayoutRequest.Status.APPROVED, decided_at__gte=start, decided_at__lt=end
        )
        .values("reseller__merchant_id")
        .annotate(a=Sum("amount")),
        "reseller__merchant_id",
        payouts="a",
    )
    return [DailyReferral(merchant_id=m, **values) for m, values in cells.items()]


@transaction.atomic
def rollup_platform_day(day: date) -> None:
    """Rewrites the day's rows of the four tables."""
    lock_day(MARK, day)
    start, end = day_bounds(day)
    for model, rows in (
        (DailyPoints, _points(start, end)),
        (DailySettlement, _settlement(start, end)),
        (DailyGroupBuy, _groupbuy(start, end)),
        (DailyReferral, _referrals(day, start, end)),
    ):
        model.objects.filter(day=day).delete()
        for row in rows:
            row.day = day
        model.objects.bulk_create(rows)


def _first_fact() -> datetime | None:
    """When the earliest fact was written (each table's first row by its key)."""
    firsts = [
        Posting.objects.order_by("pk").values_list("created_at", flat=True).first(),
        Allocation.objects.order_by("created_at").values_list("created_at", flat=True).first(),
        GroupMember.objects.order_by("pk").values_list("joined_at", flat=True).first(),
        Attribution.objects.order_by("pk").values_list("created_at", flat=True).first(),
        ShareVisit.objects.order_by("visited_at").values_list("visited_at", flat=True).first(),
    ]
    return min((t for t in firsts if t is not None), default=None)


def touched_days(since: datetime, now: datetime) -> set[date]:
    """Every local day from `since` to `now`, the sale days of referrals changed since, and
    the days of profit shares posted since (a share is dated by its sale, which may be
    earlier: the last posting written before `since` bounds those written after)."""
    local = timezone.localdate
    days = days_between(local(since), local(now))
    changed = Attribution.objects.filter(updated_at__gte=since)
    days |= {local(t) for t in changed.values_list("created_at", flat=True)}
    before = (
        Posting.objects.filter(created_at__lt=since)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    shares = Allocation.objects.filter(posting_id__gt=before or 0)
    days |= {local(t) for t in shares.values_list("created_at", flat=True).distinct()}
    return days


def rollup_platform_changes(now: datetime | None = None) -> int:
    """The scheduled job: recomputes every day touched since the last run; the first run
    builds every day since the first fact. Returns the number of days recomputed."""
    return run_rollup(
        MARK,
        now=now or timezone.now(),
        first_fact=_first_fact,
        touched_days=touched_days,
        rollup_day=rollup_platform_day,
    )
