"""Campaigns by SMS (docs/analytics.md): a merchant sends a segment's members a short text
through the SMS provider (core.sms's `notice` template, sent by core.tasks.send_sms_once
keyed by campaign and member, so each member gets it at most once however often the task
runs). Members who withdrew consent to the merchant's marketing, or have no phone, are
excluded and counted. The recipients are fixed when the campaign starts; a background task
sends them, and the page follows its counts."""

import logging

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from omniretail.accounts.models import Organization
from omniretail.analytics import members
from omniretail.analytics.models import MarketingOptOut, SmsCampaign, SmsRecipient
from omniretail.core import logs, throttle
from omniretail.core.errors import Conflict, NotFound, RateLimited, field_error
from omniretail.core.tasks import send_sms_once

logger = logging.getLogger(__name__)

MAX_TEXT = SmsCampaign._meta.get_field("text").max_length
CAMPAIGNS_PER_DAY = 5  # per merchant, counted by core.throttle
SCOPE = "sms_campaign"
_SALT = "analytics.optout"
R = SmsRecipient.Status


def optout_token(merchant_id: int, user_id: int) -> str:
    return signing.Signer(salt=_SALT).sign(f"{merchant_id}.{user_id}")


def optout_link(merchant_id: int, user_id: int) -> str:
    path = reverse("web:analytics_optout", args=[optout_token(merchant_id, user_id)])
    return settings.OMNI_PUBLIC_BASE_URL + path


def start(*, merchant: Organization, segment: str, text: str, actor) -> SmsCampaign:
    """Fixes the segment's members as recipients (excluded ones with their reason) and
    queues the task that sends them. Refused, with nothing written: an empty or too long
    text, an unknown or empty segment, more than CAMPAIGNS_PER_DAY campaigns today."""
    text = " ".join((text or "").split())
    if not text:
        raise field_error("text", _("请填写短信内容。"))
    if len(text) > MAX_TEXT:
        raise field_error("text", _("短信内容最多 %(n)s 个字。") % {"n": MAX_TEXT})
    audience, _as_of = members.audience(merchant, segment)
    people = list(audience.values_list("pk", "user_id", "user__phone"))
    if not people:
        raise Conflict(_("该分群目前没有会员。"), code="segment_empty")
    if wait := throttle.hit(SCOPE, str(merchant.pk), CAMPAIGNS_PER_DAY, 86400):
        raise RateLimited(
            _("今天的短信营销已达 %(n)s 次上限，请明天再发。") % {"n": CAMPAIGNS_PER_DAY},
            retry_after=wait,
        )
    opted = set(
        MarketingOptOut.objects.filter(
            merchant=merchant, user_id__in=[u for _m, u, _p in people]
        ).values_list("user_id", flat=True)
    )
    with transaction.atomic():
        campaign = SmsCampaign.objects.create(
            merchant=merchant,
            segment=segment,
            segment_name=members.segment_names(merchant)[segment][:30],
            text=text,
            created_by=actor,
        )
        SmsRecipient.objects.bulk_create(
            SmsRecipient(campaign=campaign, member_id=m, **_first_status(u in opted, phone))
            for m, u, phone in people
        )
        transaction.on_commit(
            lambda: logs.enqueue(send_campaign_task, campaign_id=campaign.pk), robust=True
        )
    return campaign


def _first_status(opted_out: bool, phone: str | None) -> dict:
    if opted_out:
        return {"status": R.EXCLUDED, "reason": "opted_out"}
    if not phone:
        return {"status": R.EXCLUDED, "reason": "no_phone"}
    return {"status": R.PENDING}


def send(campaign_id: int) -> dict:
    """Sends every pending recipient once: each is claimed by a conditional UPDATE, and the
    SMS itself is keyed, so two runs of the task (a redelivery) never send twice. A member
    who opted out since the start is excluded then. Returns the counts."""
    campaign = SmsCampaign.objects.select_related("merchant").get(pk=campaign_id)
    SmsCampaign.objects.filter(pk=campaign.pk, status=SmsCampaign.Status.QUEUED).update(
        status=SmsCampaign.Status.SENDING
    )
    pending = campaign.recipients.filter(status=R.PENDING).select_related("member__user")
    for r in pending.order_by("pk").iterator(chunk_size=200):
        user = r.member.user
        if MarketingOptOut.objects.filter(merchant=campaign.merchant, user=user).exists():
            SmsRecipient.objects.filter(pk=r.pk, status=R.PENDING).update(
                status=R.EXCLUDED, reason="opted_out"
            )
            continue
        body = _("%(text)s 退订点 %(link)s") % {
            "text": campaign.text,
            "link": optout_link(campaign.merchant_id, user.pk),
        }
        try:
            send_sms_once.call(
                key=f"mkt:{campaign.pk}:{r.member_id}",
                phone=user.phone,
                template="notice",
                context={"title": campaign.merchant.name, "body": body},
                request_id=logs.REQUEST_ID.get(),  # the campaign's, not a new one per SMS
            )
            status = R.SENT
        except Exception:  # the gateway refused this one: count it, go on with the rest
            logger.exception("campaign %s: SMS to member %s failed", campaign.pk, r.member_id)
            status = R.FAILED
        SmsRecipient.objects.filter(pk=r.pk, status=R.PENDING).update(status=status)
    SmsCampaign.objects.filter(pk=campaign.pk).exclude(status=SmsCampaign.Status.DONE).update(
        status=SmsCampaign.Status.DONE, finished_at=timezone.now()
    )
    return counts(campaign)


def counts(campaign: SmsCampaign) -> dict:
    """Recipients by outcome: total, sent, failed, excluded (and why), pending."""
    by = dict(campaign.recipients.values_list("status").annotate(n=Count("pk")).order_by())
    reasons = dict(
        campaign.recipients.filter(status=R.EXCLUDED)
        .values_list("reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    total = sum(by.values())
    done = total - by.get(R.PENDING, 0)
    return {
        "total": total,
        "sent": by.get(R.SENT, 0),
        "failed": by.get(R.FAILED, 0),
        "excluded": by.get(R.EXCLUDED, 0),
        "opted_out": reasons.get("opted_out", 0),
        "no_phone": reasons.get("no_phone", 0),
        "pending": by.get(R.PENDING, 0),
        "percent": round(done * 100 / total) if total else 100,
    }


def campaign_of(merchant: Organization, campaign_id) -> SmsCampaign:
    found = SmsCampaign.objects.filter(merchant=merchant, pk=campaign_id).first()
    if found is None:
        raise NotFound(_("找不到该短信营销。"))
    return found


def campaigns_of(merchant: Organization, limit: int = 20) -> list[dict]:
    return [
        {"campaign": c, **counts(c)} for c in SmsCampaign.objects.filter(merchant=merchant)[:limit]
    ]


def _token(token: str) -> tuple[Organization, int]:
    """(merchant, user id) a signed link names; a forged or altered one is a 404."""
    try:
        merchant_id, user_id = map(int, signing.Signer(salt=_SALT).unsign(token).split("."))
    except (signing.BadSignature, ValueError):
        raise NotFound(_("退订链接无效。")) from None
    merchant = Organization.objects.filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound(_("退订链接无效。"))
    return merchant, user_id


def merchant_of_token(token: str) -> Organization:
    """The merchant a link names, shown before the shopper confirms."""
    return _token(token)[0]


def opt_out(token: str) -> Organization:
    """Records the withdrawal the link names (once: a second click changes nothing)."""
    merchant, user_id = _token(token)
    MarketingOptOut.objects.get_or_create(merchant=merchant, user_id=user_id)
    return merchant


@task()
@logs.carries_request_id
def send_campaign_task(*, campaign_id: int) -> dict:
    return send(campaign_id)
