"""Points to a segment, a kind of campaign beside the coupon and the SMS (docs/analytics.md):
the merchant gives N of its own points to each member of a segment. The recipients are fixed
when the campaign starts; a background task gives them (the SMS campaigns' mechanism), each
through the ledger keyed by campaign and member, so nobody gets a campaign's points twice
however often the task runs. Points are a benefit, not a message: members who opted out of
marketing get them too, and nobody is sent an SMS."""

import logging

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from omniretail.accounts.models import Organization
from omniretail.analytics import members
from omniretail.analytics.models import PointsCampaign, PointsRecipient
from omniretail.core import logs
from omniretail.core.errors import Conflict, DomainError, NotFound, typed_whole
from omniretail.loyalty.services import award_points, merchant_asset_code

logger = logging.getLogger(__name__)

MAX_POINTS = 100_000  # per member and campaign: a typo of a few zeros is refused
R = PointsRecipient.Status


def start(*, merchant: Organization, segment: str, points, actor) -> PointsCampaign:
    """Fixes the segment's members as recipients and queues the task that gives them the
    points. Refused with nothing written: points not 1–MAX_POINTS (422), an unknown segment
    (422) or an empty one (409)."""
    amount = typed_whole(
        points,
        field="points",
        low=1,
        high=MAX_POINTS,
        message=_("每人积分须为 1 到 %(n)s 之间的整数。") % {"n": f"{MAX_POINTS:,}"},
    )
    audience, _as_of = members.audience(merchant, segment)
    people = list(audience.values_list("pk", flat=True))
    if not people:
        raise Conflict(_("该分群目前没有会员。"), code="segment_empty")
    with transaction.atomic():
        campaign = PointsCampaign.objects.create(
            merchant=merchant,
            segment=segment,
            segment_name=members.segment_names(merchant)[segment][:30],
            points=amount,
            created_by=actor,
        )
        PointsRecipient.objects.bulk_create(
            PointsRecipient(campaign=campaign, member_id=m) for m in people
        )
        transaction.on_commit(
            lambda: logs.enqueue(give_campaign_task, campaign_id=campaign.pk), robust=True
        )
    return campaign


def give(campaign_id: int) -> dict:
    """Gives every pending recipient the points: the ledger posting is keyed
    `points-campaign:<campaign>:<member>` (a redelivered task posts nothing twice) and the
    recipient is marked by a conditional UPDATE. Returns the counts."""
    campaign = PointsCampaign.objects.select_related("merchant").get(pk=campaign_id)
    PointsCampaign.objects.filter(pk=campaign.pk, status=PointsCampaign.Status.QUEUED).update(
        status=PointsCampaign.Status.SENDING
    )
    code = merchant_asset_code(campaign.merchant)
    pending = campaign.recipients.filter(status=R.PENDING).select_related("member__user")
    for r in pending.order_by("pk").iterator(chunk_size=200):
        try:
            award_points(
                user=r.member.user,
                asset_code=code,
                points=campaign.points,
                reason=_("积分营销：%(s)s") % {"s": campaign.segment_name},
                idempotency_key=f"points-campaign:{campaign.pk}:{r.member_id}",
            )
            status = R.GIVEN
        except DomainError:  # refused for this member: counted, the rest go on
            logger.exception("points campaign %s: member %s not given", campaign.pk, r.member_id)
            status = R.FAILED
        PointsRecipient.objects.filter(pk=r.pk, status=R.PENDING).update(status=status)
    PointsCampaign.objects.filter(pk=campaign.pk).exclude(status=PointsCampaign.Status.DONE).update(
        status=PointsCampaign.Status.DONE, finished_at=timezone.now()
    )
    return counts(campaign)


def counts(campaign: PointsCampaign) -> dict:
    """Recipients by outcome, and the points given so far."""
    by = dict(campaign.recipients.values_list("status").annotate(n=Count("pk")).order_by())
    total = sum(by.values())
    given = by.get(R.GIVEN, 0)
    return {
        "total": total,
        "given": given,
        "failed": by.get(R.FAILED, 0),
        "pending": by.get(R.PENDING, 0),
        "points": given * campaign.points,
        "percent": round((total - by.get(R.PENDING, 0)) * 100 / total) if total else 100,
    }


def campaign_of(merchant: Organization, campaign_id) -> PointsCampaign:
    found = PointsCampaign.objects.filter(merchant=merchant, pk=campaign_id).first()
    if found is None:
        raise NotFound(_("找不到该积分营销。"))
    return found


def campaigns_of(merchant: Organization, limit: int = 20) -> list[dict]:
    return [
        {"campaign": c, **counts(c)}
        for c in PointsCampaign.objects.filter(merchant=merchant)[:limit]
    ]


@task()
@logs.carries_request_id
def give_campaign_task(*, campaign_id: int) -> dict:
    return give(campaign_id)
