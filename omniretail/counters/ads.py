"""Advertising on the counters' screens: a campaign is an image creative with a schedule,
aimed at counters or regions; the kiosk's idle loop shows what is running for it and
reports each showing, counted with a conditional F() update (never a read-modify-write)."""

from datetime import datetime

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from PIL import Image

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import (
    is_platform_operator,
    organizations_of,
    require_role,
    require_user,
)
from omniretail.core import uploads
from omniretail.core.errors import NotFound, ValidationFailed, field_error
from omniretail.counters.models import AdCampaign, Counter
from omniretail.counters.services import clean_text

MAX_REGIONS = 20
MAX_SECONDS = 60
MAX_REPORTED = 20  # campaigns a screen reports at once
MIN_YEAR, MAX_YEAR = 2000, 2100  # a schedule outside is a typing mistake (and year 1 overflows)


def _when(value, field: str, errors: dict):
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = parse_datetime(str(value or "").strip())
        except ValueError:
            parsed = None
    if parsed is None or not MIN_YEAR <= parsed.year <= MAX_YEAR:
        errors[field] = _("请填写有效的日期时间。")
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _checked(
    *, merchant, name, starts_at, ends_at, seconds, counter_codes, regions, errors: dict
) -> dict:
    """The campaign's fields cleaned, each fault added to `errors` (all reported at once)."""
    try:
        name = clean_text(name, "name", 80)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    start = _when(starts_at, "starts_at", errors)
    end = _when(ends_at, "ends_at", errors)
    if start and end and end <= start:
        errors["ends_at"] = _("结束时间须晚于开始时间。")
    try:
        seconds = int(seconds)
    except (TypeError, ValueError):
        seconds = 0
    if not 3 <= seconds <= MAX_SECONDS:
        errors["seconds"] = _("每次展示 3 到 %(n)s 秒。") % {"n": MAX_SECONDS}
    codes = sorted({str(c).strip().upper() for c in counter_codes if str(c).strip()})
    counters = list(Counter.objects.filter(merchant=merchant, code__in=codes))
    if len(counters) != len(codes):
        errors["counters"] = _("只能选择本商户的售货柜。")
    regions = sorted({str(r).strip() for r in regions if str(r).strip()})
    if len(regions) > MAX_REGIONS or any(len(r) > 60 for r in regions):
        errors["regions"] = _("最多 %(n)s 个地区，每个不超过 60 个字符。") % {"n": MAX_REGIONS}
    return {
        "name": name,
        "starts_at": start,
        "ends_at": end,
        "seconds": seconds,
        "regions": regions,
        "counters": counters,
    }


def _require_merchant_role(actor, merchant) -> None:
    if not is_platform_operator(actor):
        require_role(actor, merchant)


def create_campaign(
    *,
    actor,
    merchant,
    name,
    creative_files,
    starts_at,
    ends_at,
    seconds=8,
    counter_codes=(),
    regions=(),
) -> AdCampaign:
    """Every field is checked before anything is stored; the creative goes through
    core.uploads (an image re-encoded, or refused on its field) and is removed again if
    the campaign is refused after all."""
    _require_merchant_role(actor, merchant)
    errors: dict = {}
    fields = _checked(
        merchant=merchant,
        name=name,
        starts_at=starts_at,
        ends_at=ends_at,
        seconds=seconds,
        counter_codes=counter_codes,
        regions=regions,
        errors=errors,
    )
    files = list(creative_files or [])
    if not files:
        errors["creative"] = _("请上传广告图。")
    elif len(files) > 1:
        errors["creative"] = _("每个广告只能有一张图。")
    if errors:
        raise ValidationFailed(fields=errors)
    counters = fields.pop("counters")
    saving = uploads.saved_images(files, folder="ads", field="creative")
    with saving as (image,), transaction.atomic():
        campaign = AdCampaign.objects.create(merchant=merchant, creative=image.name, **fields)
        campaign.counters.set(counters)
    return campaign


UNCHANGED = object()


@transaction.atomic
def update_campaign(
    *,
    actor,
    campaign: AdCampaign,
    name=UNCHANGED,
    starts_at=UNCHANGED,
    ends_at=UNCHANGED,
    seconds=UNCHANGED,
    counter_codes=UNCHANGED,
    regions=UNCHANGED,
) -> AdCampaign:
    """Change what is given, keep the rest; the result is checked as a whole like a new
    campaign (an end moved before the start is refused on `ends_at`). Showings counted so
    far stay."""
    _require_merchant_role(actor, campaign.merchant)

    def given(value, current):
        return current if value is UNCHANGED else value

    errors: dict = {}
    fields = _checked(
        merchant=campaign.merchant,
        name=given(name, campaign.name),
        starts_at=given(starts_at, campaign.starts_at),
        ends_at=given(ends_at, campaign.ends_at),
        seconds=given(seconds, campaign.seconds),
        counter_codes=given(counter_codes, [c.code for c in campaign.counters.all()]),
        regions=given(regions, campaign.regions),
        errors=errors,
    )
    if errors:
        raise ValidationFailed(fields=errors)
    counters = fields.pop("counters")
    AdCampaign.objects.filter(pk=campaign.pk).update(**fields, updated_at=timezone.now())
    campaign.counters.set(counters)
    campaign.refresh_from_db()
    return campaign


def delete_campaign(*, actor, campaign: AdCampaign) -> None:
    """Remove it from every screen at once; its picture goes too unless another campaign
    shows the same one (creatives are stored by content)."""
    _require_merchant_role(actor, campaign.merchant)
    name = campaign.creative
    campaign.delete()
    if AdCampaign.objects.filter(creative=name).exists() or not default_storage.exists(name):
        return
    with default_storage.open(name) as stored, Image.open(stored) as image:
        width, height = image.size
    uploads.delete_image(uploads.StoredImage(name=name, width=width, height=height))


def campaign_for_actor(user, public_id: str) -> AdCampaign:
    """One campaign of the user's merchants (any for the platform); another's is not found."""
    campaign = campaigns_for_actor(user).filter(public_id=public_id).first()
    if campaign is None:
        raise NotFound(_("找不到该广告。"), code="unknown_campaign")
    return campaign


def campaign_merchant(user, public_id: str = ""):
    """The merchant a new campaign is for: the one named (the platform may name any), else
    the user's only merchant."""
    merchants = Organization.objects.filter(kind=Organization.Kind.MERCHANT, is_active=True)
    own = merchants.filter(pk__in=organizations_of(user))
    if public_id:
        found = (merchants if is_platform_operator(user) else own).filter(public_id=public_id)
        found = found.first()
    else:
        mine = list(own[:2])
        found = mine[0] if len(mine) == 1 else None
    if found is None:
        raise field_error("merchant", _("请选择投放广告的商户。"))
    return found


def running_for(counter: Counter, now=None) -> list[AdCampaign]:
    """What the counter's idle loop shows now: the merchant's campaigns in their schedule
    that name this counter, or name none and cover its store's city or district (or every
    region). A merchant runs a handful at a time, so the aim is checked here, portably."""
    now = now or timezone.now()
    area = {counter.store.city, counter.store.district} - {""}
    live = AdCampaign.objects.filter(
        merchant_id=counter.merchant_id, starts_at__lte=now, ends_at__gt=now
    ).prefetch_related("counters")
    out = []
    for campaign in live.order_by("starts_at", "id"):
        named = {c.pk for c in campaign.counters.all()}
        if counter.pk in named or (
            not named and (not campaign.regions or area & set(campaign.regions))
        ):
            out.append(campaign)
    return out


def record_impressions(*, counter: Counter, campaign_ids) -> int:
    """Count a showing for each campaign the screen reports that is running for it now;
    unknown, ended or other counters' campaigns are ignored. Returns how many counted."""
    ids = [str(i) for i in list(campaign_ids or [])[:MAX_REPORTED]]
    running = [c.pk for c in running_for(counter) if c.public_id in ids]
    return AdCampaign.objects.filter(pk__in=running).update(impressions=F("impressions") + 1)


def campaigns_for_actor(user):
    require_user(user)
    qs = AdCampaign.objects.select_related("merchant").prefetch_related("counters")
    if is_platform_operator(user):
        return qs
    return qs.filter(merchant__in=organizations_of(user))


def creative_url(campaign: AdCampaign) -> str | None:
    return uploads.photo_url(campaign.creative)
