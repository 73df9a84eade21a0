"""Registry writes: counters, bays, credentials, status and content; staff tasks; par levels
and restocking (the inventory transfer store -> counter). Device traffic is in device.py,
self-service purchases in vending.py, leads and repairs in their own modules."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator, require_role
from omniretail.core.errors import Conflict, NotFound, field_error, require_quantity
from omniretail.core.geo import validate_point
from omniretail.core.signing import digest, sign
from omniretail.counters.models import Bay, Counter, Credential, FlagClearance, StaffTask
from omniretail.inventory import services as inventory
from omniretail.inventory.models import StockLevel, StockLocation
from omniretail.notifications.services import notify

MAX_BAY_CAPACITY = 50
CONTENT_KEYS = {"headline", "videos", "media", "spins"}


def require_manager(actor, counter: Counter) -> None:
    """The serving merchant's staff (or the platform) manage a counter; others see none."""
    if not is_platform_operator(actor):
        require_role(actor, counter.merchant)


def clean_text(value, field: str, max_length: int, *, required: bool = True) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise field_error(field, _("此项必填。"))
    if len(value) > max_length:
        raise field_error(field, _("不超过 %(n)s 个字符。") % {"n": max_length})
    return value


def _content(content) -> dict:
    """Display content: a headline, video links, images and 360-degree image sets (each a
    list of frame URLs). Only http(s) or site-relative links are kept."""
    content = content or {}
    if not isinstance(content, dict) or set(content) - CONTENT_KEYS:
        raise field_error("content", _("展示内容只能包含 headline、videos、media、spins。"))

    def link(url) -> str:
        url = str(url)
        if not url.startswith(("https://", "http://", "/")) or len(url) > 500:
            raise field_error("content", _("链接须以 http(s):// 或 / 开头。"))
        return url

    spins = content.get("spins") or []
    if not isinstance(spins, list) or not all(isinstance(s, list) for s in spins):
        raise field_error("content", _("360 度图组须为图片链接列表。"))
    return {
        "headline": clean_text(content.get("headline"), "content.headline", 120, required=False),
        "videos": [link(u) for u in content.get("videos") or []][:10],
        "media": [link(u) for u in content.get("media") or []][:30],
        "spins": [[link(u) for u in frames][:72] for frames in spins][:5],
    }


@transaction.atomic
def register_counter(
    *, actor, store, code: str, name: str, site_name: str, address: str, lat, lon, content=None
) -> Counter:
    """A counter is a stock location of the serving store's merchant; it starts offline
    until its first heartbeat."""
    if not is_platform_operator(actor):
        require_role(actor, store.merchant)
    code = clean_text(code, "code", 32).upper()
    if not code.replace("-", "").isalnum():
        raise field_error("code", _("柜号只能包含字母、数字和连字符。"))
    if Counter.objects.filter(code=code).exists():
        raise Conflict(_("柜号 %(code)s 已存在。") % {"code": code}, code="duplicate_code")
    lat, lon = validate_point(lat, lon)
    name = clean_text(name, "name", 120)
    location = inventory.create_location(
        actor=actor,
        organization=store.merchant,
        kind=StockLocation.Kind.COUNTER,
        name=f"{code} {name}",
        lat=lat,
        lon=lon,
    )
    return Counter.objects.create(
        code=code,
        name=name,
        site_name=clean_text(site_name, "site_name", 120),
        address=clean_text(address, "address", 255),
        lat=lat,
        lon=lon,
        store=store,
        merchant=store.merchant,
        location=location,
        content=_content(content),
    )


@transaction.atomic
def set_content(*, actor, counter: Counter, content) -> Counter:
    require_manager(actor, counter)
    counter.content = _content(content)
    counter.save(update_fields=["content", "updated_at"])
    return counter


@transaction.atomic
def set_maintenance(*, actor, counter: Counter, on: bool) -> Counter:
    """Maintenance is set by staff only. Leaving it returns the counter to online only if it
    was heard from within OMNI_COUNTER_OFFLINE_S, else to offline (its next heartbeat brings
    it back); a flag stays until it is cleared with a reason (`clear_flag`)."""
    require_manager(actor, counter)
    S = Counter.Status
    counter.status = S.MAINTENANCE if on else S.ONLINE if counter.heard_within() else S.OFFLINE
    counter.save(update_fields=["status", "updated_at"])
    return counter


@transaction.atomic
def add_bay(
    *, actor, counter: Counter, number: str, sku, par_level: int, capacity: int, test_ride=False
) -> Bay:
    require_manager(actor, counter)
    number = clean_text(number, "number", 8)
    capacity = require_quantity(capacity, field="capacity", maximum=MAX_BAY_CAPACITY)
    if isinstance(par_level, bool) or not isinstance(par_level, int) or par_level < 0:
        raise field_error("par_level", _("标准库存须为非负整数。"))
    if par_level > capacity:
        raise field_error("par_level", _("标准库存不能超过容量。"))
    if counter.bays.filter(number=number).exists():
        raise Conflict(_("格口 %(n)s 已存在。") % {"n": number}, code="duplicate_bay")
    if counter.bays.filter(sku=sku).exists():
        raise Conflict(_("该商品已在本柜的其他格口。"), code="duplicate_bay_sku")
    bay = Bay.objects.create(
        counter=counter,
        number=number,
        sku=sku,
        par_level=par_level,
        capacity=capacity,
        test_ride=bool(test_ride),
    )
    inventory.stock_level(counter.location, sku)  # the bay's stock row exists from day one
    check_par(counter)  # a new bay starts empty: below its par level it needs filling
    return bay


def bay_by_number(counter: Counter, number) -> Bay:
    bay = next((b for b in counter.bays.all() if b.number == str(number)), None)
    if bay is None:
        raise NotFound(_("售货柜没有格口 %(n)s。") % {"n": number}, fields={"bay": _("格口不存在")})
    return bay


# ---------------------------------------------------------------- credentials


def command_key(key_id: str) -> bytes:
    """The per-device command-signing key (32 bytes), derived so it is never stored."""
    return bytes.fromhex(sign(settings.SECRET_KEY, f"counter-command-key:{key_id}"))


def live_credentials(counter: Counter, now=None):
    """Credentials that work now: not revoked and not past their rotation overlap."""
    now = now or timezone.now()
    return counter.credentials.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)


@transaction.atomic
def issue_credential(*, actor, counter: Counter) -> tuple[Credential, str]:
    """A new credential; the token (and the command key) are returned this once only. The
    counter's other live credentials keep working for OMNI_COUNTER_ROTATION_OVERLAP_S (an
    earlier end they already have stays), so the controller can move over without a gap."""
    require_manager(actor, counter)
    Counter.objects.select_for_update().filter(pk=counter.pk).first()  # one rotation at a time
    now = timezone.now()
    overlap_end = now + timedelta(seconds=settings.OMNI_COUNTER_ROTATION_OVERLAP_S)
    live_credentials(counter, now).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=overlap_end)
    ).update(expires_at=overlap_end)
    key_id = f"ck_{secrets.token_hex(8)}"
    secret = secrets.token_urlsafe(32)
    credential = Credential.objects.create(
        counter=counter, key_id=key_id, secret_hash=digest(secret)
    )
    return credential, f"{key_id}.{secret}"


@transaction.atomic
def revoke_credential(*, actor, counter: Counter, key_id: str) -> Credential:
    """Revoke at once. Revoking the credential that started a rotation (an installation gone
    wrong) gives the newest remaining one its unlimited life back, so the counter is never
    left without a working credential by the end of an overlap."""
    require_manager(actor, counter)
    Counter.objects.select_for_update().filter(pk=counter.pk).first()
    credential = counter.credentials.filter(key_id=key_id).first()
    if credential is None:
        raise NotFound(fields={"key_id": _("凭证不存在")})
    now = timezone.now()
    retire_credentials(now=now, counter=counter)  # one already rotated out keeps that date
    Credential.objects.filter(pk=credential.pk, revoked_at__isnull=True).update(revoked_at=now)
    live = live_credentials(counter, now)
    if not live.filter(expires_at__isnull=True).exists():
        newest = live.order_by("-created_at", "-id").first()
        if newest is not None:
            Credential.objects.filter(pk=newest.pk).update(expires_at=None)
    credential.refresh_from_db()
    return credential


def retire_credentials(*, now=None, counter: Counter | None = None) -> int:
    """Write down the revocation of credentials whose rotation overlap has ended (sweep,
    idempotent; they are refused from `expires_at` on whether or not this has run)."""
    now = now or timezone.now()
    qs = Credential.objects.filter(revoked_at__isnull=True, expires_at__lte=now)
    if counter is not None:
        qs = qs.filter(counter=counter)
    return qs.update(revoked_at=F("expires_at"))


# ---------------------------------------------------------------- staff tasks


def _open_key(counter: Counter, kind: str, key: str) -> str:
    return f"{kind}:{counter.pk}:{key}"


def open_task(*, counter: Counter, kind: str, key: str, details: dict, note: str = "") -> StaffTask:
    """Open the task, or refresh the open one with the same key (never two at once)."""
    open_key = _open_key(counter, kind, key)
    task = StaffTask.objects.filter(open_key=open_key).first()
    if task is not None:
        StaffTask.objects.filter(pk=task.pk).update(
            details=details, note=note[:200], updated_at=timezone.now()
        )
        return task
    try:
        with transaction.atomic():
            task = StaffTask.objects.create(
                counter=counter,
                store_id=counter.store_id,
                kind=kind,
                open_key=open_key,
                details=details,
                note=note[:200],
            )
    except IntegrityError:
        return StaffTask.objects.get(open_key=open_key)
    notify(
        organization=counter.merchant,
        title=_("售货柜任务：%(kind)s") % {"kind": task.get_kind_display()},
        body=f"{counter.code} {counter.name} {note}"[:500],
        link=f"/ops/counters/{counter.code}/",
    )
    return task


def close_tasks(*, counter: Counter, kind: str, key: str = "", note: str = "") -> int:
    """Close the open tasks of this kind (only the one opened with `key`, if given); a note
    replaces the task's, none keeps it."""
    qs = StaffTask.objects.filter(counter=counter, kind=kind, status=StaffTask.Status.OPEN)
    if key:
        qs = qs.filter(open_key=_open_key(counter, kind, key))
    changes = {"status": StaffTask.Status.DONE, "open_key": None, "done_at": timezone.now()}
    if note:
        changes["note"] = note[:200]
    return qs.update(**changes)


@transaction.atomic
def complete_task(*, actor, task: StaffTask, note: str = "") -> StaffTask:
    require_manager(actor, task.counter)
    StaffTask.objects.filter(pk=task.pk, status=StaffTask.Status.OPEN).update(
        status=StaffTask.Status.DONE, open_key=None, done_at=timezone.now(), note=note[:200]
    )
    task.refresh_from_db()
    return task


def flag(counter: Counter, reason: str, cause: str) -> None:
    """Raise the counter's flag. A tamper alarm always takes it over; a door flag never
    replaces a tamper one (a door report must not resolve an alarm)."""
    qs = Counter.objects.filter(pk=counter.pk)
    if cause != Counter.FlagCause.TAMPER:
        qs = qs.exclude(flag_cause=Counter.FlagCause.TAMPER)
    qs.update(flagged_at=timezone.now(), flag_reason=reason[:200], flag_cause=cause)


def resolve_door_flag(counter: Counter) -> None:
    """The door flag goes once no door it was raised for is still open; others stay."""
    Counter.objects.filter(pk=counter.pk, flag_cause=Counter.FlagCause.DOOR_NOT_CLOSED).update(
        flagged_at=None, flag_reason="", flag_cause=""
    )


@transaction.atomic
def clear_flag(*, actor, counter: Counter, reason) -> Counter:
    """Staff clear a flag after looking: the reason is kept with what the flag said."""
    require_manager(actor, counter)
    reason = clean_text(reason, "reason", 200)
    current = Counter.objects.select_for_update().get(pk=counter.pk)
    if current.flagged_at is None:
        raise Conflict(_("该售货柜没有异常标记。"), code="not_flagged")
    FlagClearance.objects.create(
        counter=current,
        flagged_at=current.flagged_at,
        flag_reason=current.flag_reason,
        reason=reason,
        cleared_by=actor,
    )
    current.flagged_at, current.flag_reason, current.flag_cause = None, "", ""
    current.save(update_fields=["flagged_at", "flag_reason", "flag_cause", "updated_at"])
    return current


# ---------------------------------------------------------------- replenishment


def bay_levels(counter: Counter) -> dict[int, int]:
    """On-hand per bay id, from the inventory ledger, in one query."""
    bays = list(counter.bays.all())
    on_hand = dict(
        StockLevel.objects.filter(
            location_id=counter.location_id, sku_id__in=[b.sku_id for b in bays]
        ).values_list("sku_id", "on_hand")
    )
    return {bay.pk: on_hand.get(bay.sku_id, 0) for bay in bays}


def check_par(counter: Counter) -> StaffTask | None:
    """Below par -> one open restock task for the serving store, quantities to fill each
    short bay to capacity; all bays at par -> the task closes itself."""
    levels = bay_levels(counter)
    short = [
        {
            "bay": bay.number,
            "sku": bay.sku.public_id,
            "on_hand": levels[bay.pk],
            "quantity": bay.capacity - levels[bay.pk],
        }
        for bay in counter.bays.select_related("sku")
        if levels[bay.pk] < bay.par_level
    ]
    if not short:
        close_tasks(counter=counter, kind=StaffTask.Kind.RESTOCK, note=_("已达标准库存"))
        return None
    return open_task(
        counter=counter,
        kind=StaffTask.Kind.RESTOCK,
        key="par",
        details={"lines": short},
        note=_("%(n)s 个格口低于标准库存") % {"n": len(short)},
    )


@transaction.atomic
def restock(*, actor, counter: Counter, lines: list[dict]) -> list:
    """Staff fill bays from the serving store: one inventory transfer store -> counter per
    line (T+0), then the par check closes the restock task when all bays are at par."""
    require_manager(actor, counter)
    if not lines:
        raise field_error("lines", _("请至少填写一个格口。"))
    source = inventory.location_for_store(counter.store)
    levels = bay_levels(counter)
    transfers = []
    for index, line in enumerate(lines):
        bay = bay_by_number(counter, line.get("bay"))
        quantity = require_quantity(
            line.get("quantity"), field=f"lines.{index}.quantity", maximum=MAX_BAY_CAPACITY
        )
        if levels[bay.pk] + quantity > bay.capacity:
            raise field_error(
                f"lines.{index}.quantity",
                _("格口 %(n)s 最多还能放 %(left)s 件。")
                % {"n": bay.number, "left": bay.capacity - levels[bay.pk]},
            )
        levels[bay.pk] += quantity
        transfers.append(
            inventory.transfer_stock(
                actor=actor,
                source=source,
                destination=counter.location,
                sku=bay.sku,
                quantity=quantity,
                reason=_("售货柜 %(code)s 补货") % {"code": counter.code},
            )
        )
    check_par(counter)
    return transfers
