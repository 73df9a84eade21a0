"""Reads for the pages and the API, scoped: the public sees campaigns and proofs (never a
seed before its draw, never who a member is beyond the opaque id); a shopper sees their own
seats; a merchant's staff see their merchant's campaigns."""

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMinute
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import organizations_of
from omniretail.core import reads
from omniretail.core.errors import Conflict, NotFound
from omniretail.groupbuy.models import Campaign, Group, Member, Seat
from omniretail.loyalty.models import Coupon, CouponTemplate


def _campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.select_related(
        "store", "merchant", "sku__product", "consolation_coupon"
    )


def open_campaigns(now=None) -> QuerySet[Campaign]:
    now = now or timezone.now()
    return _campaigns().filter(status=Campaign.Status.OPEN, ends_at__gt=now).order_by("ends_at")


def public_campaign(public_id: str) -> Campaign:
    campaign = _campaigns().filter(public_id=public_id).first()
    if campaign is None:
        raise NotFound(_("找不到该拼团活动。"))
    return campaign


def campaign_to_join(public_id: str) -> Campaign:
    """A campaign as a join needs it: its merchant (the payee), not the store, product and
    coupon the pages show. Plain SQL (core.reads): every join request reads it, and compiling
    the ORM's query cost a quarter of the request's CPU."""
    where = f" WHERE {reads.table(Campaign)}.public_id = %s"
    rows = reads.fetch(reads.select_joined(Campaign, "merchant") + where, [public_id])
    if not rows:
        raise NotFound(_("找不到该拼团活动。"))
    return reads.linked(rows[0], Campaign, "merchant")


def public_group(public_id: str) -> Group:
    group = Group.objects.select_related("campaign").filter(public_id=public_id).first()
    if group is None:
        raise NotFound(_("找不到该团。"))
    return group


def seats_left(campaign: Campaign) -> int:
    return Seat.objects.filter(campaign=campaign, taken=False).count()


def current_group(campaign: Campaign) -> Group | None:
    """The group the next join lands in: the lowest-numbered one with a free seat."""
    seat = Seat.objects.filter(campaign=campaign, taken=False).order_by("id").first()
    return seat.group if seat else None


def group_progress(group: Group) -> dict:
    taken = Seat.objects.filter(group=group, taken=True).count()
    return {"taken": taken, "paid": group.paid_count, "size": group.size}


def groups_with_proofs(campaign: Campaign) -> QuerySet[Group]:
    return campaign.groups.exclude(status__in=(Group.Status.OPEN, Group.Status.FAILED))


def proof(group: Group) -> dict:
    """Everything needed to recompute a drawn group's draw, and nothing else; the rules
    (`group_size`, `winners_per_group`) are the campaign's, so a group whose own counts were
    changed fails the check. A group not drawn has no proof yet (409 with a code)."""
    if group.status == Group.Status.FAILED:
        raise Conflict(_("该团未成团，没有开奖。"), code="group_not_formed")
    if group.drawn_at is None:
        raise Conflict(
            _("该团尚未开奖：种子在开奖后公开。"),
            code="draw_pending",
            details={"status": group.status},
        )
    campaign = group.campaign
    return {
        "proof_version": group.draw_version,
        "group_id": group.public_id,
        "campaign_id": campaign.public_id,
        "number": group.number,
        "status": group.status,
        "group_size": campaign.group_size,
        "winners_per_group": campaign.winners_per_group,
        "committed_at": campaign.created_at,
        "commitment": group.commitment,
        "member_list": group.member_list,
        "client_values": group.client_values,
        "member_list_hash": group.member_list_hash,
        "winners_count": group.winners_count,
        "winners": group.winners,
        "seed": group.seed,
        "filled_at": group.filled_at,
        "drawn_at": group.drawn_at,
    }


def memberships_of(user) -> QuerySet[Member]:
    return (
        Member.objects.filter(shopper=user)
        .exclude(status=Member.Status.EXPIRED, refunded_at__isnull=True)
        .select_related("campaign__store", "campaign__sku__product", "group", "order")
        .order_by("-joined_at")
    )


def consolation_coupon_key(member_public_id: str) -> str:
    """The issue key of a member's consolation coupon: one coupon per member, ever."""
    return f"groupbuy:consolation-coupon:{member_public_id}"


def consolation_coupons(members) -> dict[str, Coupon]:
    """The consolation coupon each of `members` received, by member public id (one query)."""
    keys = {consolation_coupon_key(m.public_id): m.public_id for m in members}
    issued = Coupon.objects.filter(issue_key__in=keys).select_related("template")
    return {keys[c.issue_key]: c for c in issued}


def coupon_choices(merchant) -> QuerySet[CouponTemplate]:
    """The templates a campaign of `merchant` may console with: its own or the platform's,
    active ones."""
    return CouponTemplate.objects.filter(
        Q(org=merchant) | Q(org__isnull=True), is_active=True
    ).order_by("org_id", "name")


def membership_of(user, public_id: str) -> Member:
    member = memberships_of(user).filter(public_id=public_id).first()
    if member is None:
        raise NotFound(_("找不到该拼团记录。"))
    return member


def merchant_campaigns(user) -> QuerySet[Campaign]:
    return _campaigns().filter(merchant__in=organizations_of(user, kinds=["merchant"]))


def merchant_campaign(user, public_id: str) -> Campaign:
    campaign = merchant_campaigns(user).filter(public_id=public_id).first()
    if campaign is None:
        raise NotFound(_("找不到该拼团活动。"))
    return campaign


def campaign_stats(campaign: Campaign) -> dict:
    counts = campaign.groups.aggregate(
        **{s: Count("pk", filter=Q(status=s)) for s in Group.Status.values}
    )
    members = campaign.members.aggregate(
        joined=Count("pk"),
        paid=Count("pk", filter=~Q(status__in=("pending_payment", "expired"))),
        winners=Count("pk", filter=Q(status__in=("won", "voucher_issued"))),
        redeemed=Count("pk", filter=Q(order__status="completed")),
    )
    return {"groups": counts, **members, "seats_left": seats_left(campaign)}


def joins_over_time(campaign: Campaign) -> list[tuple]:
    """Joins per minute, for the merchant's chart."""
    return list(
        campaign.members.annotate(minute=TruncMinute("joined_at"))
        .values_list("minute")
        .annotate(n=Count("pk"))
        .order_by("minute")
    )
