"""Members of a merchant's programme: activation (with the sign-up reward), profile, tiers
(from rolling 12-month spend and visits, which earning.tiers counts from orders), tier
benefits. The birthday staff record here is what birthday campaigns (analytics.birthday)
send their offers by."""

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.core.errors import field_error
from omniretail.core.money import money
from omniretail.loyalty import services
from omniretail.loyalty.models import EarnRule, Member, Tier, TierChange


def activate(*, user, org: Organization, name: str = "", birthday: date | None = None) -> Member:
    """Join the merchant's programme once; the sign-up rule's points come with it."""
    if org.kind != Organization.Kind.MERCHANT:
        raise field_error("org", _("只能加入商家的会员计划。"))
    _check_birthday(birthday)
    try:
        with transaction.atomic():
            member, created = Member.objects.get_or_create(
                user=user,
                org=org,
                defaults={"name": name[:60], "birthday": birthday, "activated_at": timezone.now()},
            )
    except IntegrityError:
        member, created = Member.objects.get(user=user, org=org), False
    points = services.points_for_event(kind=EarnRule.Kind.SIGNUP, org=org)
    if created and points:
        services.award_points(
            user=user,
            asset_code=services.asset_for_event(kind=EarnRule.Kind.SIGNUP, org=org),
            points=points,
            reason=_("加入 %(org)s 会员") % {"org": org.name},
            idempotency_key=f"signup:{member.public_id}",
            source_org=org,
        )
    return member


def set_birthday(*, member: Member, birthday: str) -> Member:
    """Staff record a member's birthday (YYYY-MM-DD, from the profile page) so the birthday
    offer reaches them; a year already greeted is not greeted again."""
    try:
        day = date.fromisoformat((birthday or "").strip())
    except ValueError:
        raise field_error("birthday", _("生日格式应为 YYYY-MM-DD。")) from None
    _check_birthday(day)
    Member.objects.filter(pk=member.pk).update(birthday=day)
    member.birthday = day
    return member


def _check_birthday(birthday: date | None) -> None:
    if birthday is not None and not date(1900, 1, 1) <= birthday <= timezone.localdate():
        raise field_error("birthday", _("生日不正确。"))


def set_tiers(*, org: Organization, tiers: list[dict]) -> list[Tier]:
    """Replace the merchant's tiers. Each: name, min_spend (yuan), min_visits,
    discount_percent (0-100), priority_service; rank follows the list order."""
    clean = []
    for rank, t in enumerate(tiers, start=1):
        name = str(t.get("name", "")).strip()[:20]
        try:
            spend = money(t.get("min_spend", "0"))
        except (TypeError, ValueError):
            spend = Decimal(-1)
        visits, discount = t.get("min_visits", 0), t.get("discount_percent", 0)
        if not name or spend < 0 or not isinstance(visits, int) or visits < 0:
            raise field_error("tiers", _("等级需要名称和非负的消费、到访门槛。"))
        if not isinstance(discount, int) or not 0 <= discount <= 100:
            raise field_error("tiers", _("折扣须在 0 到 100 之间。"))
        clean.append(
            Tier(
                org=org,
                name=name,
                rank=rank,
                min_spend=spend,
                min_visits=visits,
                discount_percent=discount,
                priority_service=bool(t.get("priority_service")),
            )
        )
    with transaction.atomic():
        Tier.objects.filter(org=org).delete()
        return Tier.objects.bulk_create(clean)


def tier_for(*, org: Organization, spend: Decimal, visits: int) -> Tier | None:
    """The highest tier whose spend or visit threshold is met (a zero threshold is unset)."""
    reached = None
    for tier in Tier.objects.filter(org=org).order_by("rank"):
        by_spend = tier.min_spend > 0 and spend >= tier.min_spend
        by_visits = tier.min_visits > 0 and visits >= tier.min_visits
        if by_spend or by_visits or (tier.min_spend == 0 and tier.min_visits == 0):
            reached = tier
    return reached


@transaction.atomic
def record_tier(*, member: Member, tier: str, reason: str, now=None) -> bool:
    """Put the member on `tier` ("" none) and, when that moves them, write the change with
    its reason for the profile's tier history. The move is one conditional UPDATE from the
    tier read, so two sweeps racing record it once. Returns whether it moved."""
    now = now or timezone.now()
    moved = (
        Member.objects.filter(pk=member.pk, tier=member.tier)
        .exclude(tier=tier)
        .update(tier=tier, tier_computed_at=now)
    )
    if moved:
        TierChange.objects.create(
            member=member, from_tier=member.tier, to_tier=tier, reason=reason[:200]
        )
    else:
        Member.objects.filter(pk=member.pk).update(tier_computed_at=now)
    member.tier = tier if moved else member.tier
    return bool(moved)


def benefits(member: Member) -> dict:
    tier = Tier.objects.filter(org_id=member.org_id, name=member.tier).first()
    return {
        "tier": member.tier,
        "discount_percent": tier.discount_percent if tier else 0,
        "priority_service": bool(tier and tier.priority_service),
    }


def priority_member(*, org, user) -> Exists:
    """A query expression: the user is a member of the org in a tier with priority service
    (`org` and `user` are OuterRefs of the outer query, e.g. an order's merchant and
    shopper), so the store's queue can put that member's orders first."""
    tiers = Tier.objects.filter(org=OuterRef("org"), priority_service=True).values("name")
    return Exists(Member.objects.filter(org=org, user=user, tier__in=tiers))
