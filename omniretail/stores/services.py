"""Writes for stores: open a store, change its details, set its weekly hours and the dates
that depart from them. Only the merchant's owners and managers (and platform operators) may
do so; every write is one transaction and refuses bad input with a field-level message."""

import re
from datetime import date as date_type
from datetime import time
from itertools import pairwise

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import (
    MANAGING_ROLES,
    is_platform_operator,
    require_role,
    require_user,
)
from omniretail.core import uploads
from omniretail.core.errors import NotFound, ValidationFailed, field_error
from omniretail.core.geo import validate_point
from omniretail.stores.models import OpeningException, OpeningHours, Store, StorePhoto

MOBILE_RE = re.compile(r"^(?:\+86|0086)?1[3-9]\d{9}$")
# Area code + number with an optional extension (0571-88001188-123), or a 400/800 hotline.
LANDLINE_RE = re.compile(r"^(?:0\d{2,3}-?\d{7,8}|[48]00-?\d{3}-?\d{4})(?:-\d{1,6})?$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
TEXT_LIMITS = {"name": 120, "address": 255, "city": 60, "district": 60}
EDITABLE = {
    "name",
    "address",
    "city",
    "district",
    "lat",
    "lon",
    "phone",
    "main_products",
    "description",
    "is_active",
}


def _authorize(actor, merchant: Organization) -> None:
    require_user(actor)
    if not is_platform_operator(actor):
        require_role(actor, merchant, MANAGING_ROLES)


def _clean_phone(phone: str) -> str:
    cleaned = re.sub(r"[\s()]", "", phone or "")
    if cleaned and not (MOBILE_RE.match(cleaned) or LANDLINE_RE.match(cleaned)):
        raise field_error("phone", _("请输入手机号或座机号（如 0571-88001188）。"))
    return cleaned


def _clean_text(field: str, value) -> str:
    value = str(value or "").strip()
    limit = TEXT_LIMITS.get(field)
    if limit and len(value) > limit:
        raise field_error(field, _("不能超过 %(n)s 个字符。") % {"n": limit})
    if field in ("name", "address") and not value:
        raise field_error(field, _("不能为空。"))
    return value


def create_store(
    *,
    actor,
    merchant: Organization,
    name: str,
    address: str,
    lat,
    lon,
    phone: str = "",
    city: str = "",
    district: str = "",
    main_products: str = "",
    description: str = "",
) -> Store:
    """Open a store for a merchant; the point is checked so the nearby search can trust it."""
    _authorize(actor, merchant)
    if merchant.kind != Organization.Kind.MERCHANT:
        raise field_error("merchant", _("只有商家可以开设门店。"))
    lat_f, lon_f = validate_point(lat, lon)
    with transaction.atomic():
        return Store.objects.create(
            merchant=merchant,
            name=_clean_text("name", name),
            address=_clean_text("address", address),
            city=_clean_text("city", city),
            district=_clean_text("district", district),
            lat=lat_f,
            lon=lon_f,
            phone=_clean_phone(phone),
            main_products=_clean_text("main_products", main_products),
            description=_clean_text("description", description),
        )


def update_store(*, actor, store: Store, **changes) -> Store:
    """Change a store's details; a moved point is validated as a pair."""
    _authorize(actor, store.merchant)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationFailed(fields={f: _("不可修改的字段。") for f in sorted(unknown)})
    cleaned = {}
    for field, value in changes.items():
        if field == "phone":
            cleaned[field] = _clean_phone(value)
        elif field == "is_active":
            cleaned[field] = bool(value)
        elif field not in ("lat", "lon"):
            cleaned[field] = _clean_text(field, value)
    if "lat" in changes or "lon" in changes:
        cleaned["lat"], cleaned["lon"] = validate_point(
            changes.get("lat", store.lat), changes.get("lon", store.lon)
        )
    with transaction.atomic():
        for field, value in cleaned.items():
            setattr(store, field, value)
        store.save(update_fields=[*cleaned, "updated_at"])
    return store


def _parse_time(value, field: str) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    match = TIME_RE.match(str(value or "").strip())
    if not match:
        raise field_error(field, _("时间格式应为 HH:MM（00:00-23:59）。"))
    return time(int(match.group(1)), int(match.group(2)))


def _parse_date(value) -> date_type:
    if isinstance(value, date_type):
        return value
    try:
        return date_type.fromisoformat(str(value))
    except ValueError as exc:
        raise field_error("date", _("日期格式应为 YYYY-MM-DD。")) from exc


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def set_opening_hours(*, actor, store: Store, hours: list[dict]) -> list[OpeningHours]:
    """Replace the whole weekly schedule. A closing time not after the opening time runs past
    midnight (00:00-00:00 is all day); intervals of one day must not overlap. An interval
    that says `"overnight": False` (the page's 次日 box left empty) must close after it
    opens, so a slip of the hand is refused rather than read as a night shift."""
    _authorize(actor, store.merchant)
    rows: list[OpeningHours] = []
    errors: dict[str, str] = {}
    for index, item in enumerate(hours or []):
        prefix = f"hours.{index}"
        if not isinstance(item, dict):
            errors[prefix] = _("每项须包含 weekday、opens、closes。")
            continue
        weekday = item.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            errors[f"{prefix}.weekday"] = _("星期须为 0（周一）到 6（周日）。")
            continue
        try:
            opens = _parse_time(item.get("opens"), f"{prefix}.opens")
            closes = _parse_time(item.get("closes"), f"{prefix}.closes")
        except ValidationFailed as exc:
            errors.update({k: v[0] for k, v in exc.fields.items()})
            continue
        all_day = opens == closes == time(0)
        if item.get("overnight") is False and closes <= opens and not all_day:
            errors[f"{prefix}.closes"] = _("关门时间须晚于开门时间；营业至次日请勾选“次日”。")
            continue
        rows.append(OpeningHours(store=store, weekday=weekday, opens=opens, closes=closes))
    if errors:
        raise ValidationFailed(fields=errors)
    by_day: dict[int, list[tuple[int, int]]] = {}
    for row in rows:
        start, end = _minutes(row.opens), _minutes(row.closes)
        by_day.setdefault(row.weekday, []).append((start, end if end > start else end + 1440))
    for weekday, spans in by_day.items():
        spans.sort()
        if any(nxt[0] < cur[1] for cur, nxt in pairwise(spans)):
            raise field_error(
                "hours",
                _("%(day)s 的营业时段有重叠。") % {"day": OpeningHours.Weekday(weekday).label},
            )
    with transaction.atomic():
        store.hours.all().delete()
        return OpeningHours.objects.bulk_create(rows)


def set_exception(
    *,
    actor,
    store: Store,
    date,
    is_closed: bool,
    opens=None,
    closes=None,
    note: str = "",
) -> OpeningException:
    """Close the store on a date, or open it with special hours; one entry per date, a
    second call for the same date replaces the first."""
    _authorize(actor, store.merchant)
    date = _parse_date(date)
    if is_closed:
        opens = closes = None
    else:
        if opens is None or closes is None:
            raise ValidationFailed(
                fields={
                    f: _("营业时须填写开门和关门时间。")
                    for f, v in (("opens", opens), ("closes", closes))
                    if v is None
                }
            )
        opens, closes = _parse_time(opens, "opens"), _parse_time(closes, "closes")
    note = str(note or "").strip()
    if len(note) > 120:
        raise field_error("note", _("不能超过 %(n)s 个字符。") % {"n": 120})
    with transaction.atomic():
        exception, _created = OpeningException.objects.update_or_create(
            store=store,
            date=date,
            defaults={"is_closed": bool(is_closed), "opens": opens, "closes": closes, "note": note},
        )
    return exception


def record_rating(*, store_id: int, average, count: int) -> None:
    """Keep the store's rating as reviews computed it (reviews sit above stores, so they
    call down with the figures); no actor: it follows what shoppers wrote."""
    Store.objects.filter(pk=store_id).update(rating=average, rating_count=count)


def remove_exception(*, actor, store: Store, date) -> None:
    """Drop a date's exception: the weekly hours apply to it again."""
    _authorize(actor, store.merchant)
    date = _parse_date(date)
    deleted, _rows = OpeningException.objects.filter(store=store, date=date).delete()
    if not deleted:
        raise NotFound(_("这一天没有特殊营业安排。"))


MAX_PHOTOS = uploads.MAX_PHOTOS


@transaction.atomic
def add_photos(*, actor, store: Store, images: list, alt: str = "") -> list[StorePhoto]:
    """Append pictures stored by core.uploads (`StoredImage`s) after the store's others, at
    most MAX_PHOTOS in all; the store row is locked so two uploads cannot pass the limit."""
    _authorize(actor, store.merchant)
    Store.objects.select_for_update().filter(pk=store.pk).first()
    alt = str(alt or "").strip()
    if len(alt) > 200:
        raise field_error("alt", _("不能超过 %(n)s 个字符。") % {"n": 200})
    held = store.photos.count()
    if held + len(images) > MAX_PHOTOS:
        raise field_error("photos", _("门店照片不能超过 %(n)s 张。") % {"n": MAX_PHOTOS})
    last = store.photos.aggregate(last=Max("position"))["last"]
    start = 0 if last is None else last + 1
    return StorePhoto.objects.bulk_create(
        StorePhoto(
            store=store,
            name=image.name,
            width=image.width,
            height=image.height,
            alt=alt or store.name,
            position=start + i,
        )
        for i, image in enumerate(images)
    )


@transaction.atomic
def remove_photo(*, actor, store: Store, photo_id) -> None:
    """Take a picture off the store; its files go after commit unless another row shows the
    same picture (names are content hashes)."""
    _authorize(actor, store.merchant)
    photo = store.photos.filter(pk=photo_id).first() if str(photo_id).isdigit() else None
    if photo is None:
        raise NotFound(_("找不到该照片。"))
    photo.delete()
    if not StorePhoto.objects.filter(name=photo.name).exists():
        stored = uploads.StoredImage(photo.name, photo.width, photo.height)
        transaction.on_commit(lambda: uploads.delete_image(stored))
