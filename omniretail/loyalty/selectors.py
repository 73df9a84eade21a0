"""Reads of the loyalty programme for pages and the API, scoped to the acting user."""

from datetime import timedelta

from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization, User
from omniretail.accounts.selectors import active_merchant
from omniretail.core.errors import NotFound
from omniretail.ledger import selectors as ledger_selectors
from omniretail.ledger.models import Account, Asset, Entry
from omniretail.ledger.services import PLATFORM_POINTS
from omniretail.loyalty.models import (
    Coupon,
    CouponTemplate,
    Draw,
    ExchangeRule,
    Lot,
    Member,
    Tier,
)
from omniretail.loyalty.services import MERCHANT_PREFIX, merchant_asset_code


def merchant(public_id: str) -> Organization:
    """A trading merchant anyone may name (to join it, to convert its points)."""
    org = active_merchant(public_id)
    if org is None:
        raise NotFound(_("找不到该商家。"))
    return org


def balance(user, asset_code: str) -> int:
    """The member's ledger balance of one asset (0 when they never held any)."""
    return ledger_selectors.balance_for_user(user, asset_code)


def expiring_soon(user, *, days: int = 30) -> list[dict]:
    """Per asset and date, the points that lapse within `days`."""
    today = timezone.localdate()
    rows = (
        Lot.objects.filter(
            account__owner_type="user",
            account__owner_id=user.public_id,
            remaining__gt=0,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
        )
        .values("account__asset__code", "account__asset__name", "expires_on")
        .annotate(points=Sum("remaining"))
        .order_by("expires_on")
    )
    return [
        {
            "asset_code": r["account__asset__code"],
            "asset_name": r["account__asset__name"],
            "expires_on": r["expires_on"],
            "points": r["points"],
        }
        for r in rows
    ]


def wallets(user) -> list[dict]:
    """Every points asset the member holds or has held, platform points first."""
    rows = (
        Account.objects.filter(
            owner_type="user",
            owner_id=user.public_id,
            kind=Account.Kind.WALLET,
            asset__kind=Asset.Kind.POINTS,
        )
        .select_related("asset")
        .order_by("id")
    )
    out = [
        {"asset_code": a.asset.code, "name": a.asset.name, "balance": a.balance, "account": a}
        for a in rows
    ]
    out.sort(key=lambda w: w["asset_code"] != PLATFORM_POINTS)
    return out


def history(user, *, limit: int = 50) -> list[dict]:
    """The member's points entries, newest first."""
    entries = (
        Entry.objects.filter(
            account__owner_type="user",
            account__owner_id=user.public_id,
            account__asset__kind=Asset.Kind.POINTS,
        )
        .select_related("posting", "account__asset")
        .order_by("-id")[:limit]
    )
    return [
        {
            "id": e.posting.public_id,
            "asset_code": e.account.asset.code,
            "asset_name": e.account.asset.name,
            "points": e.amount,
            "balance_after": e.balance_after,
            "kind": e.posting.kind,
            "reason": e.posting.reference,
            "at": e.created_at,
        }
        for e in entries
    ]


def exchangeable(held_wallets: list[dict]) -> list[dict]:
    """Of the member's `wallets()`, the merchants' offline points that accept conversion."""
    held = {
        w["asset_code"][len(MERCHANT_PREFIX) :]: w
        for w in held_wallets
        if w["asset_code"].startswith(MERCHANT_PREFIX)
    }
    rules = ExchangeRule.objects.filter(is_active=True, org__public_id__in=list(held))
    by_org = {r.org.public_id: r for r in rules.select_related("org")}
    return [
        {**w, "rule": by_org[org_id], "org": by_org[org_id].org}
        for org_id, w in held.items()
        if org_id in by_org
    ]


def liability(org: Organization, *, days: int = 90) -> dict:
    """Outstanding points the merchant stands behind, per day over `days`: offline points
    it issued plus platform points issued against it, net of spends and expiry. Computed
    from lots and their draws, so it matches the ledger."""
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    lots = Lot.objects.filter(source_org=org)
    issued = dict(
        lots.filter(created_at__date__gte=start)
        .values_list("created_at__date")
        .annotate(n=Sum("points"))
    )
    drawn = dict(
        Draw.objects.filter(lot__source_org=org, spend__created_at__date__gte=start)
        .values_list("spend__created_at__date")
        .annotate(n=Sum("points"))
    )
    expired = dict(
        lots.filter(expired_posting__created_at__date__gte=start)
        .values_list("expired_posting__created_at__date")
        .annotate(n=Sum("expired_posting__amount"))
    )
    level = (
        (lots.aggregate(n=Sum("remaining"))["n"] or 0)
        - sum(issued.values())
        + sum(drawn.values())
        + sum(expired.values())
    )
    series = []
    for i in range(days):
        d = start + timedelta(days=i)
        level += issued.get(d, 0) - drawn.get(d, 0) - expired.get(d, 0)
        series.append({"date": d, "points": level})
    return {"series": series, "outstanding": series[-1]["points"] if series else 0}


def coupons_of(user, *, usable_only: bool = False):
    """The user's own coupons, newest first; `usable_only`: available and unexpired."""
    qs = Coupon.objects.filter(user=user).select_related("template", "template__org", "org")
    if usable_only:
        qs = qs.filter(status=Coupon.Status.AVAILABLE, valid_until__gt=timezone.now())
    return qs.order_by("-created_at", "-id")[:200]


def usable_coupons(user, *, merchant: Organization | None = None):
    """Available, unexpired coupons, soonest to expire first (for `merchant`: its own and
    the platform's)."""
    qs = Coupon.objects.filter(
        user=user, status=Coupon.Status.AVAILABLE, valid_until__gt=timezone.now()
    ).select_related("template", "org")
    if merchant is not None:
        qs = qs.filter(Q(org__isnull=True) | Q(org=merchant))
    return qs.order_by("valid_until", "id")


def coupon_templates(org: Organization | None):
    """`org` None: the platform's templates."""
    return CouponTemplate.objects.filter(org=org).select_related("org").order_by("-id")


def coupon_template(org: Organization | None, public_id: str) -> CouponTemplate:
    template = coupon_templates(org).filter(public_id=public_id).first()
    if template is None:
        raise NotFound(_("找不到该优惠券模板。"))
    return template


def coupon_recipient(org: Organization | None, phone: str):
    """A merchant issues only to its members; the platform to any shopper."""
    users = User.objects.filter(phone=(phone or "").strip())
    if org is not None:
        users = users.filter(pk__in=Member.objects.filter(org=org).values("user_id"))
    user = users.first()
    if user is None:
        raise NotFound(_("找不到该会员。"), fields={"phone": _("不是会员")})
    return user


def tiers_of(user) -> list[Member]:
    """The shopper's memberships with their tier (blank: not yet on a tier), for 我的."""
    return list(Member.objects.filter(user=user).select_related("org").order_by("org__name"))


# --- the merchant's member archive (会员档案) -------------------------------------------


def merchant_members(
    org: Organization, *, query: str = "", tier: str = "", birthday_month: int | None = None
):
    """The merchant's members, newest first, narrowed by a phone or name fragment, a tier
    (`"-"`: not yet on one) and the month of their birthday."""
    qs = Member.objects.filter(org=org).select_related("user")
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(user__phone__contains=query)
            | Q(name__icontains=query)
            | Q(user__display_name__icontains=query)
        )
    if tier == "-":
        qs = qs.filter(tier="")
    elif tier:
        qs = qs.filter(tier=tier)
    if birthday_month:
        qs = qs.filter(birthday__month=birthday_month)
    return qs.order_by("-created_at", "-id")


def merchant_member(org: Organization, public_id: str) -> Member:
    """One of the merchant's members; anyone else's is not found."""
    member = Member.objects.filter(org=org, public_id=public_id).select_related("user").first()
    if member is None:
        raise NotFound(_("找不到该会员。"))
    return member


def member_points(member: Member) -> dict:
    """The member's balances a merchant may see: its own points and platform points."""
    return {
        "merchant": balance(member.user, merchant_asset_code(member.org)),
        "platform": balance(member.user, PLATFORM_POINTS),
    }


def member_coupons(member: Member):
    """The coupons the merchant issued to the member, newest first (used and expired too)."""
    return (
        Coupon.objects.filter(user=member.user, org=member.org)
        .select_related("template")
        .order_by("-created_at", "-id")
    )


def tier_ladder(org: Organization) -> list[Tier]:
    """The merchant's tiers, lowest first (the tier form)."""
    return list(Tier.objects.filter(org=org).order_by("rank"))


def tier_names(org: Organization) -> list[str]:
    """The merchant's tier names, lowest first (the archive's tier filter)."""
    return list(Tier.objects.filter(org=org).order_by("rank").values_list("name", flat=True))
