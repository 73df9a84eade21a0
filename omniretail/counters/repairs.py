"""Repair drop-off (售后维修): the shopper books at the nearest counter; the serving store
gets the ticket and moves it through received -> pickup dispatched -> repairing -> returned,
and the shopper is told at every step. The timeline is one row per step."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import require_user
from omniretail.core.errors import Conflict, field_error
from omniretail.core.geo import bounding_box, haversine_m, validate_point
from omniretail.core.uploads import stored_photos
from omniretail.counters.models import Counter, RepairStep, RepairTicket, StaffTask
from omniretail.counters.services import clean_text, close_tasks, open_task, require_manager
from omniretail.notifications.services import notify

Step = RepairTicket.Step


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
    *, shopper, counter: Counter, vehicle_serial: str, plate: str, fault: str, photos, drop_off_at
) -> RepairTicket:
    require_user(shopper)
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


@transaction.atomic
def advance_repair(*, actor, ticket: RepairTicket, step: str, note: str = "") -> RepairTicket:
    """Move to the next step only (a conditional UPDATE), tell the shopper, keep the
    timeline; returning closes the store's task."""
    require_manager(actor, ticket.counter)
    if step not in Step.values:
        raise field_error("step", _("未知的维修步骤。"))
    if step != ticket.next_step:
        raise Conflict(
            _("维修单当前为「%(now)s」，下一步不能是「%(to)s」。")
            % {"now": Step(ticket.step).label, "to": Step(step).label},
            code="illegal_transition",
        )
    if not RepairTicket.objects.filter(pk=ticket.pk, step=ticket.step).update(
        step=step, updated_at=timezone.now()
    ):
        raise Conflict(_("维修单已被他人更新，请刷新。"), code="illegal_transition")
    ticket.step = step
    RepairStep.objects.create(ticket=ticket, step=step, note=(note or "")[:200], actor=actor)
    if step == Step.RETURNED:
        close_tasks(counter=ticket.counter, kind=StaffTask.Kind.REPAIR, key=ticket.public_id)
    _tell(
        ticket,
        _("您的车辆（%(serial)s）：%(step)s。%(note)s")
        % {"serial": ticket.vehicle_serial, "step": Step(step).label, "note": note or ""},
    )
    return ticket
