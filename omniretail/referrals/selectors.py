"""Reads for the pages and the API, scoped to the acting user: a shopper sees their own
links, earnings, reseller rights and payouts; a merchant's staff see their merchant's
programme and payout requests. Someone else's object is "not found"."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import (
    MANAGING_ROLES,
    is_platform_operator,
    organization_for_user,
    organizations_of,
    require_user,
)
from omniretail.core.errors import NotFound
from omniretail.core.money import CENT, ZERO
from omniretail.ledger import selectors as ledger_reads
from omniretail.ledger.units import fen_to_yuan
from omniretail.referrals import funds
from omniretail.referrals.models import (
    Attribution,
    Debt,
    PayoutRequest,
    ProductRebateRate,
    ReferralProgramme,
    Reseller,
    ShareLink,
)

# ---------------------------------------------------------------- rules


def programme_of(merchant) -> ReferralProgramme:
    """The merchant's rules, or the defaults when it never changed them."""
    return ReferralProgramme.objects.filter(merchant=merchant).first() or ReferralProgramme(
        merchant=merchant
    )


def tier_rate(tiers: list[dict], rank: int) -> Decimal:
    """The commission rate of the `rank`-th referred order of the month."""
    for tier in tiers:
        if tier["up_to"] is None or rank <= tier["up_to"]:
            return Decimal(tier["rate"])
    return Decimal(tiers[-1]["rate"])


def month_start(moment: datetime) -> datetime:
    local = timezone.localtime(moment)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _held_balance(name: str) -> Decimal:
    account = funds.existing(name)
    return fen_to_yuan(account.balance if account else 0)


def balances(reseller: Reseller) -> dict[str, Decimal]:
    """Frozen, withdrawable and requested commission, and when the next frozen sum thaws."""
    pending = PayoutRequest.objects.filter(reseller=reseller, status=PayoutRequest.Status.REQUESTED)
    next_release = Attribution.objects.filter(
        sharer_id=reseller.user_id,
        merchant_id=reseller.merchant_id,
        kind=Attribution.Kind.COMMISSION,
        status=Attribution.Status.CREDITED,
        released_at__isnull=True,
    ).aggregate(first=Min("releases_at"))["first"]
    return {
        "frozen": _held_balance(funds.frozen_name(reseller)),
        "withdrawable": _held_balance(funds.withdrawable_name(reseller)),
        "requested": sum((p.amount for p in pending), ZERO),
        "next_release": next_release,
    }


# ---------------------------------------------------------------- a shopper's own


def links_of(user) -> QuerySet[ShareLink]:
    require_user(user)
    return (
        ShareLink.objects.filter(sharer=user)
        .select_related("product")
        .annotate(
            clicks=Count("visits", distinct=True),
            sales=Count(
                "attributions",
                filter=~Q(attributions__status=Attribution.Status.REVERSED),
                distinct=True,
            ),
        )
        .order_by("-created_at")
    )


def earnings_of(user, *, kind: str | None = None) -> QuerySet[Attribution]:
    require_user(user)
    qs = Attribution.objects.filter(sharer=user).select_related("product", "order", "merchant")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def money_total(amounts) -> Decimal:
    """Money is summed in Python: SQLite would add decimals as floats."""
    return sum(amounts, ZERO)


def summary_of(user) -> dict:
    """What the shopper has earned, what is still to come, and what they owe."""
    require_user(user)
    mine = Attribution.objects.filter(sharer=user)
    credited = mine.filter(status=Attribution.Status.CREDITED)
    pending = [
        (a.kept_base * a.rate).quantize(CENT, rounding=ROUND_DOWN)
        for a in mine.filter(status=Attribution.Status.PENDING, kind=Attribution.Kind.REBATE)
    ]
    owed = defaultdict(int)
    for debt in Debt.objects.filter(user=user).select_related("account__asset"):
        owed[debt.account.asset.code] += debt.outstanding
    rebates = credited.filter(kind=Attribution.Kind.REBATE)
    cash = list(rebates.filter(form="cash").values_list("amount", "clawed_back"))
    return {
        "pending_rebates": sum(pending, ZERO),
        "pending_sales": mine.filter(status=Attribution.Status.PENDING).count(),
        "cash_rebates": money_total(paid for paid, _back in cash),
        "cash_taken_back": money_total(back for _paid, back in cash),
        "points_rebates": rebates.aggregate(s=Sum("points"))["s"] or 0,
        "commission": money_total(
            credited.filter(kind=Attribution.Kind.COMMISSION).values_list("amount", flat=True)
        ),
        "cash_owed": fen_to_yuan(owed.get(funds.CNY, 0)),
        "points_owed": owed.get("PTS:PLATFORM", 0),
        "links": ShareLink.objects.filter(sharer=user).count(),
    }


def progress_towards_rights(user) -> list[dict]:
    """Per merchant and product the shopper has referred buyers of: distinct buyers whose
    purchase has settled, against the merchant's threshold (not yet a reseller there)."""
    require_user(user)
    have = set(Reseller.objects.filter(user=user).values_list("merchant_id", flat=True))
    rows = (
        Attribution.objects.filter(
            sharer=user, kind=Attribution.Kind.REBATE, status=Attribution.Status.CREDITED
        )
        .exclude(merchant_id__in=have)
        .values("merchant_id", "merchant__name", "product_id", "product__name")
        .annotate(buyers=Count("buyer_id", distinct=True))
        .order_by("-buyers", "product__name")
    )
    programmes = {
        p.merchant_id: p
        for p in ReferralProgramme.objects.filter(merchant_id__in={r["merchant_id"] for r in rows})
    }
    progress = []
    for row in rows:
        programme = programmes.get(row["merchant_id"]) or ReferralProgramme()
        progress.append(
            {
                "merchant": row["merchant__name"],
                "product": row["product__name"],
                "buyers": row["buyers"],
                "threshold": programme.reseller_threshold,
                "percent": min(100, 100 * row["buyers"] // programme.reseller_threshold),
            }
        )
    return progress


def resellers_of(user) -> QuerySet[Reseller]:
    require_user(user)
    return Reseller.objects.filter(user=user).select_related("merchant", "qualifying_product")


def reseller_of(user, public_id: str) -> Reseller:
    reseller = resellers_of(user).filter(public_id=public_id).first()
    if reseller is None:
        raise NotFound(_("找不到该分销资格。"))
    return reseller


def commission_status(reseller: Reseller, *, now=None) -> dict:
    """Balances, this month's referred orders and the rate the next one will earn."""
    now = now or timezone.now()
    programme = programme_of(reseller.merchant)
    this_month = Attribution.objects.filter(
        sharer_id=reseller.user_id,
        merchant_id=reseller.merchant_id,
        kind=Attribution.Kind.COMMISSION,
        status=Attribution.Status.CREDITED,
        credited_at__gte=month_start(now),
    ).count()
    next_rank = this_month + 1
    limits = [t["up_to"] for t in programme.tiers if t["up_to"] and t["up_to"] >= next_rank]
    return {
        **balances(reseller),
        "month_orders": this_month,
        "next_rate": tier_rate(programme.tiers, next_rank),
        "orders_to_next_tier": (limits[0] - this_month + 1) if limits else None,
        "tiers": programme.tiers,
        "payout_minimum": programme.payout_minimum,
        "freeze_days": programme.freeze_days,
    }


def payouts_of(reseller: Reseller) -> QuerySet[PayoutRequest]:
    return PayoutRequest.objects.filter(reseller=reseller).order_by("-created_at", "-id")


STATEMENT_KINDS = {
    "referral_commission": "earned",
    "referral_clawback": "taken_back",
    "referral_debt_recovery": "taken_back",
    "commission_payout_requested": "withdrawn",
    "commission_payout_rejected": "withdrawn",
}


def statements(reseller: Reseller) -> list[dict]:
    """Monthly statements of the commission ledger (frozen + withdrawable, newest month
    first): opening balance, earned, taken back after refunds, withdrawn, closing."""
    months: dict[date, dict] = {}
    names = (funds.frozen_name(reseller), funds.withdrawable_name(reseller))
    for account in filter(None, map(funds.existing, names)):
        for entry in ledger_reads.entries(account):
            month = timezone.localtime(entry.created_at).date().replace(day=1)
            row = months.setdefault(
                month,
                {"month": month, "earned": 0, "taken_back": 0, "withdrawn": 0, "net": 0},
            )
            column = STATEMENT_KINDS.get(entry.posting.kind)
            if column:
                row[column] += entry.amount
            row["net"] += entry.amount
    orders = defaultdict(int)
    for credited_at in Attribution.objects.filter(
        sharer_id=reseller.user_id,
        merchant_id=reseller.merchant_id,
        kind=Attribution.Kind.COMMISSION,
        credited_at__isnull=False,
    ).values_list("credited_at", flat=True):
        orders[timezone.localtime(credited_at).date().replace(day=1)] += 1
    result, balance = [], 0
    for month in sorted(months):
        row = months[month]
        opening, balance = balance, balance + row["net"]
        result.append(
            {
                "month": month,
                "orders": orders.get(month, 0),
                "opening": fen_to_yuan(opening),
                "earned": fen_to_yuan(row["earned"]),
                "taken_back": fen_to_yuan(-row["taken_back"]),
                "withdrawn": fen_to_yuan(-row["withdrawn"]),
                "closing": fen_to_yuan(balance),
            }
        )
    return list(reversed(result))


# ---------------------------------------------------------------- a merchant's staff


def merchant_for_staff(user, public_id: str) -> Organization:
    """A merchant the user manages: its rules and resellers' payouts are for its owners and
    managers (the other roles find nothing, as in /api/loyalty)."""
    organization = organization_for_user(user, public_id, roles=MANAGING_ROLES)
    if organization.kind != Organization.Kind.MERCHANT:
        raise NotFound(_("找不到该组织。"))
    return organization


def programme_for_staff(user, merchant: Organization) -> ReferralProgramme:
    if not is_platform_operator(user):
        merchant_for_staff(user, merchant.public_id)
    return programme_of(merchant)


def product_rates(programme: ReferralProgramme) -> QuerySet[ProductRebateRate]:
    if programme.pk is None:
        return ProductRebateRate.objects.none()
    return programme.product_rates.select_related("product").order_by("product__name")


def payouts_for_staff(user, merchant: Organization, *, status: str | None = None):
    programme_for_staff(user, merchant)
    qs = PayoutRequest.objects.filter(reseller__merchant=merchant).select_related(
        "reseller__user", "decided_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "-created_at")


def payout_for_staff(user, public_id: str) -> PayoutRequest:
    payout = (
        PayoutRequest.objects.select_related("reseller__merchant", "reseller__user")
        .filter(public_id=public_id)
        .first()
    )
    in_scope = payout is not None and (
        is_platform_operator(user)
        or organizations_of(user, roles=MANAGING_ROLES)
        .filter(pk=payout.reseller.merchant_id)
        .exists()
    )
    if not in_scope:
        raise NotFound(_("找不到该提现申请。"))
    return payout


def referred_sales_by_day(user, merchant: Organization, *, days: int = 30) -> list[dict]:
    """Sales made through share links per day, for the merchant's chart."""
    programme_for_staff(user, merchant)
    since = timezone.localdate() - timedelta(days=days - 1)
    per_day = defaultdict(lambda: {"sales": 0, "amount": ZERO})
    for created_at, base in Attribution.objects.filter(
        merchant=merchant, created_at__date__gte=since
    ).values_list("created_at", "base"):
        day = timezone.localtime(created_at).date()
        per_day[day]["sales"] += 1
        per_day[day]["amount"] += base
    return [
        {"day": since + timedelta(days=i), **per_day[since + timedelta(days=i)]}
        for i in range(days)
    ]


def merchant_totals(user, merchant: Organization) -> dict:
    programme_for_staff(user, merchant)
    rows = Attribution.objects.filter(merchant=merchant)
    return {
        "sales": rows.exclude(status=Attribution.Status.REVERSED).count(),
        "sharers": rows.values("sharer_id").distinct().count(),
        "resellers": Reseller.objects.filter(merchant=merchant).count(),
        "paid": money_total(
            rows.filter(status=Attribution.Status.CREDITED).values_list("amount", flat=True)
        ),
        "requested": PayoutRequest.objects.filter(
            reseller__merchant=merchant, status=PayoutRequest.Status.REQUESTED
        ).count(),
    }
