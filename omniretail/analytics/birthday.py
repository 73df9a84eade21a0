"""Birthday offers, one kind of campaign (docs/analytics.md): the merchant chooses a coupon
of its own or an amount of its points and how many days before the birthday it goes out;
the scheduled job gives it to each activated member whose birthday falls from today to that
many days ahead, with a greeting (in-app and SMS, with the opt-out link). A member is given
one a year: the BirthdayGift row (unique per member and year) is the claim, and the coupon
or points are keyed by member and year, so re-running the job never gives twice. Members
who withdrew consent to the merchant's marketing get the gift without the greeting (no SMS,
no in-app message), as the segment coupon campaigns give their coupons, and are counted."""

import logging
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.analytics import campaigns, members
from omniretail.analytics.models import BirthdayCampaign, BirthdayGift, MarketingOptOut
from omniretail.core.errors import DomainError, NotFound, field_error, typed_whole
from omniretail.loyalty import coupons
from omniretail.loyalty import selectors as loyalty
from omniretail.loyalty.models import Coupon, Member
from omniretail.loyalty.services import MAX_POINTS, award_points, merchant_asset_code
from omniretail.notifications.services import notify

logger = logging.getLogger(__name__)

MAX_DAYS_BEFORE = 31
POINTS_VALID_DAYS = 30  # birthday points expire a month after the birthday
Gift = BirthdayCampaign.Gift


def start(
    *, merchant: Organization, gift: str, template_id: str = "", points="", days_before, actor
) -> BirthdayCampaign:
    """Starts the merchant's birthday offer, stopping the one running. Refused with nothing
    changed: an unknown gift (422), a window over MAX_DAYS_BEFORE days (422), a coupon that
    is not the merchant's (404), stopped or platform-funded (422), points not 1–10^9 (422)."""
    if gift not in Gift.values:
        raise field_error("gift", _("生日礼只能是优惠券或积分。"))
    days = typed_whole(
        days_before,
        field="days_before",
        low=0,
        high=MAX_DAYS_BEFORE,
        message=_("提前天数须为 0 到 %(n)s 天。") % {"n": MAX_DAYS_BEFORE},
    )
    fields: dict = {"gift": gift, "days_before": days}
    if gift == Gift.COUPON:
        template = loyalty.coupon_template(merchant, template_id)
        if not template.is_active:
            raise field_error("template", _("该优惠券已停发。"))
        if template.platform_funded:  # a budget running out must not stop birthdays
            raise field_error("template", _("生日券不能使用平台补贴。"))
        fields["template"] = template
    else:
        fields["points"] = typed_whole(
            points,
            field="points",
            low=1,
            high=MAX_POINTS,
            message=_("积分必须是 1 到 10 亿之间的整数。"),
        )
    with transaction.atomic():
        BirthdayCampaign.objects.filter(merchant=merchant, is_active=True).update(
            is_active=False, stopped_at=timezone.now()
        )
        return BirthdayCampaign.objects.create(merchant=merchant, created_by=actor, **fields)


def stop(*, merchant: Organization, campaign_id) -> None:
    """Stops the merchant's running birthday offer (what it gave stays given)."""
    stopped = BirthdayCampaign.objects.filter(
        merchant=merchant, pk=campaign_id if str(campaign_id).isdigit() else None, is_active=True
    ).update(is_active=False, stopped_at=timezone.now())
    if not stopped:
        raise NotFound(_("找不到进行中的生日营销。"))


def window(today: date, days_before: int) -> dict[tuple[int, int], date]:
    """(month, day) of a birthday -> the date it falls on, for every day from today to
    `days_before` days ahead; a 29 February birthday falls on the 28th in other years."""
    days = {}
    for i in range(days_before + 1):
        d = today + timedelta(days=i)
        days[(d.month, d.day)] = d
        if (d.month, d.day) == (2, 28) and (d + timedelta(days=1)).month == 3:
            days[(2, 29)] = d
    return days


def send_due(now=None, limit: int = 500) -> int:
    """The scheduled job: every running birthday offer's members due today (at most `limit`
    in a run; the next run goes on). Returns how many were given or excluded."""
    today = timezone.localdate(now or timezone.now())
    done = 0
    running = BirthdayCampaign.objects.filter(is_active=True).select_related("merchant", "template")
    for campaign in running.order_by("pk"):
        done += _send(campaign, today, limit - done)
        if done >= limit:
            break
    return done


def _send(campaign: BirthdayCampaign, today: date, limit: int) -> int:
    falls_on = window(today, campaign.days_before)
    matches = Q()
    for year in {d.year for d in falls_on.values()}:  # two across New Year
        on = Q()
        for (month, day), d in falls_on.items():
            if d.year == year:
                on |= Q(birthday__month=month, birthday__day=day)
        given = BirthdayGift.objects.filter(year=year).values("member_id")
        matches |= on & ~Q(pk__in=given)
    due = (
        Member.objects.filter(org=campaign.merchant, activated_at__isnull=False)
        .filter(matches)
        .select_related("user")
        .order_by("pk")
    )
    done = 0
    for member in due[:limit]:
        day = falls_on[(member.birthday.month, member.birthday.day)]
        try:
            with transaction.atomic():
                done += _give(campaign, member, day)
        except IntegrityError:  # another run claimed this member's year first
            continue
        except DomainError:  # e.g. the coupon was stopped: nothing kept, the next run retries
            logger.exception("birthday campaign %s: member %s not given", campaign.pk, member.pk)
    return done


def _give(campaign: BirthdayCampaign, member: Member, day: date) -> int:
    """Claims the member's year and gives the offer in one transaction (a failure undoes
    the claim). The keys are the member's and the year's whatever the campaign."""
    merchant, user = campaign.merchant, member.user
    opted_out = MarketingOptOut.objects.filter(merchant=merchant, user=user).exists()
    gift = BirthdayGift(campaign=campaign, member=member, year=day.year)
    gift.status = BirthdayGift.Status.EXCLUDED if opted_out else BirthdayGift.Status.SENT
    gift.save()  # the claim first: a second run's insert fails here and gives nothing
    key = f"birthday:{member.public_id}:{day.year}"
    if campaign.gift == Gift.COUPON:
        gift.coupon = coupons.issue_coupon(
            template=campaign.template,
            user=user,
            source=Coupon.Source.BIRTHDAY,
            idempotency_key=key,
        )
        until = timezone.localtime(gift.coupon.valid_until).strftime("%Y-%m-%d")
        text = _("%(org)s 祝您生日快乐！生日礼「%(coupon)s」优惠券已到账，%(until)s 前有效。") % {
            "org": merchant.name,
            "coupon": campaign.template.name,
            "until": until,
        }
        link = "/me/coupons/"
    else:
        award_points(
            user=user,
            asset_code=merchant_asset_code(merchant),
            points=campaign.points,
            reason=_("生日礼"),
            idempotency_key=key,
            expires_on=max(day, timezone.localdate()) + timedelta(days=POINTS_VALID_DAYS),
        )
        gift.points = campaign.points
        text = _("%(org)s 祝您生日快乐！生日礼 %(points)s 积分已到账，%(days)s 天内有效。") % {
            "org": merchant.name,
            "points": campaign.points,
            "days": POINTS_VALID_DAYS,
        }
        link = ""
    gift.save(update_fields=["coupon", "points"])
    if opted_out:  # the gift is theirs; the greeting is marketing they declined
        return 1
    body = _("%(text)s 退订点 %(link)s") % {
        "text": text,
        "link": campaigns.optout_link(merchant.pk, user.pk),
    }
    notify(title=_("生日快乐"), body=body, user=user, sms_to=user.phone or "", link=link)
    return 1


def campaigns_of(merchant: Organization, limit: int = 20) -> list[dict]:
    """The merchant's birthday offers, newest first, each with members given (`sent`), of
    them those given without a message (`excluded`, opted out), coupons redeemed and the
    revenue of the orders that redeemed them."""
    rows = []
    for c in BirthdayCampaign.objects.filter(merchant=merchant).select_related("template")[:limit]:
        by = dict(c.gifts.values_list("status").annotate(n=Count("pk")).order_by())
        given = Coupon.objects.filter(pk__in=c.gifts.values("coupon_id"))
        rows.append(
            {
                "campaign": c,
                "sent": sum(by.values()),
                "excluded": by.get(BirthdayGift.Status.EXCLUDED, 0),
                **members.redemption(given),
            }
        )
    return rows
