"""Repair drop-off (售后维修): the shopper books at the nearest counter and checks in there
by scanning it; the serving store's staff confirm the vehicle is left, send a courier, repair
it and bring it back to the counter or the store, where the shopper collects it with the code
sent by SMS (at a counter: the code on its screen signs a `release` command, and the counter's
`vehicle_left` completes the collection). Received -> dropped off -> pickup dispatched ->
repairing -> returned -> collected, one timeline row per step, and the shopper is told at
every step."""

import math
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import require_user
from omniretail.catalog.models import Product
from omniretail.core import throttle
from omniretail.core.errors import (
    Conflict,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
    field_error,
)
from omniretail.core.geo import bounding_box, haversine_m, validate_point
from omniretail.core.uploads import stored_photos
from omniretail.counters import commands
from omniretail.counters.models import Bay, Command, Counter, RepairStep, RepairTicket, StaffTask
from omniretail.counters.services import clean_text, close_tasks, open_task, require_manager
from omniretail.notifications.services import notify

Step = RepairTicket.Step
PICKUP_TRIES = (5, 600)  # pickup codes typed on one counter's screen: 5 per 10 minutes


def nearest_counters(*, lat, lon, radius_m: int = 10_000, limit: int = 10) -> list[tuple]:
    """(counter, distance in metres), nearest first: the stores' nearby search, for counters
    (bounding box on the indexed columns, then the exact haversine)."""
    lat, lon = validate_point(lat, lon)
    min_lat, max_lat, ranges = bounding_box(lat, lon, radius_m)
    found = []
    for counter in Counter.objects.filter(lat__gte=min_lat, lat__lte=max_lat).exclude(
        status=Counter.Status.MAINTENANCE
    ):
        if not any(low <= counter.lon <= high for low, high in ranges):
            continue
        distance = haversine_m(lat, lon, counter.lat, counter.lon)
        if distance <= radius_m:
            found.append((counter, round(distance)))
    return sorted(found, key=lambda pair: pair[1])[:limit]


def repair_models():
    """The models a repair may name: the products the counters carry."""
    return Product.objects.filter(pk__in=Bay.objects.values("sku__product_id")).order_by("name")


def repair_model(public_id: str):
    """The model named on a booking (none when left blank)."""
    if not (public_id or "").strip():
        return None
    product = repair_models().filter(public_id=public_id.strip()).first()
    if product is None:
        raise field_error("model", _("请选择售货柜在售的车型。"))
    return product


def _tell(ticket: RepairTicket, text: str) -> None:
    notify(
        user=ticket.shopper,
        title=_("维修进度"),
        body=text,
        link=f"/counter/repairs/{ticket.public_id}/",
        sms_to=ticket.shopper.phone or "",
    )


@transaction.atomic
def book_repair(
    *,
    shopper,
    counter: Counter,
    vehicle_serial: str,
    plate: str,
    fault: str,
    photos,
    drop_off_at,
    product=None,
    fault_kind: str = "",
) -> RepairTicket:
    require_user(shopper)
    fault_kind = fault_kind or RepairTicket.FaultKind.OTHER
    if fault_kind not in RepairTicket.FaultKind.values:
        raise field_error("fault_kind", _("请选择故障类型。"))
    photos = stored_photos(photos)  # names core.uploads stored, never URLs
    if drop_off_at is not None and timezone.is_naive(drop_off_at):
        drop_off_at = timezone.make_aware(drop_off_at)  # a time typed without zone is local
    if drop_off_at is None or drop_off_at < timezone.now() - timedelta(minutes=5):
        raise field_error("drop_off_at", _("请选择今后的送修时间。"))
    ticket = RepairTicket.objects.create(
        counter=counter,
        store=counter.store,
        shopper=shopper,
        vehicle_serial=clean_text(vehicle_serial, "vehicle_serial", 40).upper(),
        plate=clean_text(plate, "plate", 20, required=False).upper(),
        fault=clean_text(fault, "fault", 2000),
        product=product,
        fault_kind=fault_kind,
        photos=photos,
        drop_off_at=drop_off_at,
    )
    RepairStep.objects.create(ticket=ticket, step=Step.RECEIVED, note=_("已预约送修"))
    open_task(
        counter=counter,
        kind=StaffTask.Kind.REPAIR,
        key=ticket.public_id,
        details={"ticket": ticket.public_id, "serial": ticket.vehicle_serial},
        note=_("维修预约：%(serial)s") % {"serial": ticket.vehicle_serial},
    )
    _tell(
        ticket,
        _("维修预约已登记，请于 %(at)s 送至售货柜 %(code)s。")
        % {"at": timezone.localtime(drop_off_at).strftime("%m-%d %H:%M"), "code": counter.code},
    )
    return ticket


def _counter_code(scanned: str) -> str:
    """The counter's code from what the phone scanned: the code itself or a counter page
    link (`…/counter/<code>/…`)."""
    scanned = str(scanned or "").strip()
    found = re.search(r"/counter/([^/?#]+)", scanned)
    return (found.group(1) if found else scanned).upper()


@transaction.atomic
def check_in(*, shopper, ticket: RepairTicket, scanned: str) -> RepairTicket:
    """The shopper at the counter scans it: the store's task says the vehicle is there, and
    the counter's staff confirm it (the `dropped_off` step)."""
    if ticket.shopper_id != getattr(shopper, "pk", None):
        raise PermissionDenied()
    if _counter_code(scanned) != ticket.counter.code.upper():
        raise field_error(
            "counter",
            _("请扫描您预约的售货柜 %(code)s 上的二维码。") % {"code": ticket.counter.code},
        )
    now = timezone.now()
    if not RepairTicket.objects.filter(
        pk=ticket.pk, step=Step.RECEIVED, checked_in_at__isnull=True
    ).update(checked_in_at=now, updated_at=now):
        raise Conflict(_("该维修单已签到。"), code="illegal_transition")
    ticket.checked_in_at = now
    open_task(
        counter=ticket.counter,
        kind=StaffTask.Kind.REPAIR,
        key=ticket.public_id,
        details={"ticket": ticket.public_id, "serial": ticket.vehicle_serial, "checked_in": True},
        note=_("车辆已到售货柜，请确认：%(serial)s") % {"serial": ticket.vehicle_serial},
    )
    _tell(
        ticket,
        _("已在售货柜 %(code)s 签到，请等待店员确认车辆已放好。") % {"code": ticket.counter.code},
    )
    return ticket


def vehicle_left(*, counter: Counter, ticket_id) -> RepairTicket:
    """The counter reports a repair vehicle moved (its `vehicle_left` event): left there at
    the drop-off, or taken away after a `release` at the collection. A report for a ticket
    already past that step changes nothing, so a device repeating itself is harmless. Runs
    inside the event's transaction."""
    ticket = (
        RepairTicket.objects.select_related("counter", "store", "shopper")
        .filter(counter=counter, public_id=str(ticket_id or "").strip())
        .first()
    )
    if ticket is None:
        raise ValidationFailed(
            _("该售货柜没有这张维修单。"),
            code="unknown_ticket",
            fields={"data.ticket": _("维修单不存在")},
        )
    if ticket.step == Step.RECEIVED:
        return _left_at_counter(ticket)
    if ticket.step == Step.RETURNED and ticket.return_to == RepairTicket.ReturnTo.COUNTER:
        return _taken_away(ticket)
    return ticket


def _left_at_counter(ticket: RepairTicket) -> RepairTicket:
    """The drop-off as staff would confirm it, under the same rule (409 before the
    shopper's check-in)."""
    if ticket.checked_in_at is None:
        raise Conflict(_("顾客尚未在售货柜扫码签到。"), code="not_checked_in")
    now = timezone.now()
    if RepairTicket.objects.filter(pk=ticket.pk, step=Step.RECEIVED).update(
        step=Step.DROPPED_OFF, updated_at=now
    ):
        ticket.step = Step.DROPPED_OFF
        RepairStep.objects.create(ticket=ticket, step=Step.DROPPED_OFF, note=_("售货柜确认"))
        _tell(ticket, _step_message(ticket, Step.DROPPED_OFF))
    return ticket


def _step_message(ticket: RepairTicket, step: str) -> str:
    if step == Step.RETURNED and ticket.return_to == RepairTicket.ReturnTo.COUNTER:
        # collected on the counter's screen (collect_at_counter), no staff needed
        return _(
            "您的车辆（%(serial)s）已修好，请到售货柜%(place)s，在屏幕上选择「取车」"
            "并输入取车码 %(code)s。"
        ) % {
            "serial": ticket.vehicle_serial,
            "place": ticket.counter.name,
            "code": ticket.pickup_code,
        }
    if step == Step.RETURNED:
        return _("您的车辆（%(serial)s）已修好，请到%(place)s凭取车码 %(code)s 取车。") % {
            "serial": ticket.vehicle_serial,
            "place": ticket.store.name,
            "code": ticket.pickup_code,
        }
    return _("您的车辆（%(serial)s）：%(step)s。") % {
        "serial": ticket.vehicle_serial,
        "step": Step(step).label,
    }


@transaction.atomic
def advance_repair(
    *,
    actor,
    ticket: RepairTicket,
    step: str,
    note: str = "",
    return_to: str = "",
    code: str = "",
) -> RepairTicket:
    """Move to the next step only (a conditional UPDATE), tell the shopper, keep the
    timeline. The drop-off needs the shopper's check-in; the return says where (counter or
    store) and makes the pickup code; the collection needs that code; it closes the store's
    task."""
    require_manager(actor, ticket.counter)
    if step not in Step.values:
        raise field_error("step", _("未知的维修步骤。"))
    if step != ticket.next_step:
        raise Conflict(
            _("维修单当前为「%(now)s」，下一步不能是「%(to)s」。")
            % {"now": Step(ticket.step).label, "to": Step(step).label},
            code="illegal_transition",
        )
    changes = {"step": step, "updated_at": timezone.now()}
    if step == Step.DROPPED_OFF and ticket.checked_in_at is None:
        raise Conflict(_("顾客尚未在售货柜扫码签到。"), code="not_checked_in")
    if step == Step.RETURNED:
        return_to = return_to or RepairTicket.ReturnTo.COUNTER
        if return_to not in RepairTicket.ReturnTo.values:
            raise field_error("return_to", _("请选择送回售货柜或门店。"))
        changes["return_to"] = return_to
        changes["pickup_code"] = f"{secrets.randbelow(10**6):06d}"
    if step == Step.COLLECTED and not secrets.compare_digest(
        str(code or "").strip(), ticket.pickup_code
    ):
        raise field_error("code", _("取车码不正确。"))
    if not RepairTicket.objects.filter(pk=ticket.pk, step=ticket.step).update(**changes):
        raise Conflict(_("维修单已被他人更新，请刷新。"), code="illegal_transition")
    for name, value in changes.items():
        setattr(ticket, name, value)
    note = (note or "")[:200]
    RepairStep.objects.create(ticket=ticket, step=step, note=note, actor=actor)
    if step == Step.COLLECTED:
        close_tasks(counter=ticket.counter, kind=StaffTask.Kind.REPAIR, key=ticket.public_id)
    _tell(ticket, f"{_step_message(ticket, step)}{note}")
    return ticket


def _taken_away(ticket: RepairTicket) -> RepairTicket:
    """The vehicle a `release` freed is out of its lock: collected, with the counter as the
    actor. Only a release of it that reached the device counts (409 otherwise: a vehicle
    leaves only when the server released it)."""
    if not Command.objects.filter(
        counter=ticket.counter,
        kind=Command.Kind.RELEASE,
        envelope__args__ticket=ticket.public_id,
        status__in=[Command.Status.DELIVERED, Command.Status.ACKED],
    ).exists():
        raise Conflict(
            _("该车辆尚未放行，不能报告取走。"),
            code="not_released",
            fields={"data.ticket": _("车辆未放行")},
        )
    if RepairTicket.objects.filter(pk=ticket.pk, step=Step.RETURNED).update(
        step=Step.COLLECTED, updated_at=timezone.now()
    ):
        ticket.step = Step.COLLECTED
        RepairStep.objects.create(
            ticket=ticket, step=Step.COLLECTED, note=_("顾客在售货柜凭取车码取车，车辆已取走")
        )
        close_tasks(counter=ticket.counter, kind=StaffTask.Kind.REPAIR, key=ticket.public_id)
        _tell(ticket, _step_message(ticket, Step.COLLECTED))
    return ticket


def collect_at_counter(*, counter: Counter, code: str) -> RepairTicket:
    """The shopper types the pickup code on the counter's screen (取车): the ticket returned
    to THIS counter with that code gets a `release` command for its vehicle; the counter's
    `vehicle_left` then completes the collection. A six-digit code is guessable, so tries
    are counted per counter before the check, outside the transaction, and a right code
    gives its try back; past the limit even the right code waits (429)."""
    if wait := throttle.hit("counter_pickup", counter.code, *PICKUP_TRIES):
        raise RateLimited(
            _("取车码错误次数过多，请 %(m)s 分钟后再试。") % {"m": math.ceil(wait / 60)},
            retry_after=wait,
        )
    ticket = _release_matching(counter, str(code or "").strip())
    if ticket is None:
        raise ValidationFailed(
            _("取车码不正确，或车辆不在本售货柜。"),
            code="invalid_code",
            fields={"code": _("取车码无效")},
        )
    throttle.undo("counter_pickup", counter.code)
    return ticket


def _on_its_way(release: Command | None, now) -> bool:
    return (
        release is not None
        and release.status in (Command.Status.PENDING, Command.Status.DELIVERED)
        and release.expires_at > now
    )


@transaction.atomic
def _release_matching(counter: Counter, code: str) -> RepairTicket | None:
    """The ticket whose code this is, with a release on its way: the one already pending or
    delivered (a code typed twice sends one), else a new one. The ticket's row is locked, so
    two tries at once sign one release."""
    waiting = RepairTicket.objects.filter(
        counter=counter, step=Step.RETURNED, return_to=RepairTicket.ReturnTo.COUNTER
    )
    for found in waiting:
        if not (len(code) == 6 and secrets.compare_digest(code, found.pickup_code)):
            continue
        # no join here: a waiter that got the lock re-reads the ticket's row, but a joined
        # release would be the one it saw before waiting (PostgreSQL), and sign a second one
        ticket = (
            RepairTicket.objects.select_for_update().filter(pk=found.pk, step=Step.RETURNED).first()
        )
        if ticket is None:
            return None  # collected a moment ago
        if not _on_its_way(ticket.release, timezone.now()):
            ticket.release = commands.issue(
                counter=counter,
                kind=Command.Kind.RELEASE,
                args={
                    "ticket": ticket.public_id,
                    "serial": ticket.vehicle_serial,
                    "plate": ticket.plate,
                },
            )
            RepairTicket.objects.filter(pk=ticket.pk).update(
                release=ticket.release, updated_at=timezone.now()
            )
        return ticket
    return None


def release_acknowledged(command: Command) -> None:
    """A release the device refused or could not carry out: the vehicle is still locked in,
    so the store's repair task asks staff to help (the shopper may type the code again)."""
    if command.kind != Command.Kind.RELEASE or command.status != Command.Status.REJECTED:
        return
    ticket = RepairTicket.objects.filter(release=command, step=Step.RETURNED).first()
    if ticket is None:
        return
    open_task(
        counter=command.counter,
        kind=StaffTask.Kind.REPAIR,
        key=ticket.public_id,
        details={"ticket": ticket.public_id, "serial": ticket.vehicle_serial},
        note=_("售货柜未能放行车辆（%(reason)s），请到场协助取车：%(serial)s")
        % {"reason": command.result, "serial": ticket.vehicle_serial},
    )
