"""Pickup slots and delivery windows (定时达): half-hour windows in the store's opening hours,
each taking at most `OMNI_PICKUP_SLOT_CAPACITY` live pickups or
`OMNI_DELIVERY_SLOT_CAPACITY` live deliveries (riders are fewer than counter staff). A
delivery window starts no earlier than the rider could arrive (`earliest`: now plus the
ETA). The quote offers the open ones; checkout takes the chosen one only while it is still
open, so a slot that passed or filled between the quote and the submit is a 409 naming it
and offering the next open slot (the shopper agrees by submitting that one), not a bare
422."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from omniretail.core.errors import Conflict
from omniretail.orders.models import Order
from omniretail.stores.selectors import is_open, prefetch_schedule

SLOT_MINUTES = 30
DAYS_OFFERED = 3
# Orders that no longer need the counter's attention at their slot.
NOT_HELD = [Order.Status.CANCELLED.value, Order.Status.REFUNDED.value]
PICKUP, DELIVERY = Order.Fulfilment.PICKUP, Order.Fulfilment.DELIVERY
_FIELD: dict[str, str] = {PICKUP: "pickup_slot_start", DELIVERY: "delivery_slot_start"}


def capacity(kind: str = PICKUP) -> int:
    if kind == DELIVERY:
        return settings.OMNI_DELIVERY_SLOT_CAPACITY
    return settings.OMNI_PICKUP_SLOT_CAPACITY


def bookable(store, *, days: int = DAYS_OFFERED, now=None) -> list[datetime]:
    """Slot starts in the store's opening hours from the next full hour, `days` ahead."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    start += timedelta(hours=1)
    step = timedelta(minutes=SLOT_MINUTES)
    prefetch_schedule([store], start)
    found, cursor = [], start
    while cursor < start + timedelta(days=days):
        if is_open(store, cursor) and is_open(store, cursor + step - timedelta(minutes=1)):
            found.append(cursor)
        cursor += step
    return found


def _taken(store, starts: list[datetime], kind: str = PICKUP) -> dict[datetime, int]:
    if not starts:
        return {}
    field = _FIELD[kind]
    rows = (
        Order.objects.filter(
            store=store, **{f"{field}__gte": starts[0], f"{field}__lte": starts[-1]}
        )
        .exclude(status__in=NOT_HELD)
        .values(field)
        .annotate(n=Count("id"))
    )
    taken: dict[datetime, int] = {}
    for row in rows:
        if (start := row[field]) is not None:
            taken[start] = row["n"]
    return taken


def taken_at(store, start: datetime, kind: str = PICKUP) -> int:
    """The live orders booked into the slot starting at `start`: `_taken` for one slot,
    in plain SQL since every checkout asks (the ORM's compiler cost more than the count)."""
    column = _FIELD[kind]  # one of two known column names, never input
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM orders_order WHERE store_id = %s AND {column} = %s"
            " AND status NOT IN (%s, %s)",
            [store.pk, connection.ops.adapt_datetimefield_value(start), *NOT_HELD],
        )
        return cursor.fetchone()[0]


def open_slots(store, *, now=None, kind: str = PICKUP, earliest=None) -> list[datetime]:
    """The bookable slots that are not full (one query for the counts), from `earliest`."""
    starts = [s for s in bookable(store, now=now) if earliest is None or s >= earliest]
    taken = _taken(store, starts, kind)
    most = capacity(kind)
    return [s for s in starts if taken.get(s, 0) < most]


def end_of(start: datetime) -> datetime:
    """When the slot (or delivery window) starting at `start` ends."""
    return start + timedelta(minutes=SLOT_MINUTES)


def _label(slot: datetime) -> str:
    local = timezone.localtime(slot)
    end = end_of(local)
    return f"{date_format(local, 'm-d')} {local:%H:%M}–{end:%H:%M}"


def require_open(store, slot_start: datetime, *, now=None, kind=PICKUP, earliest=None) -> None:
    """Refuse (409 `slot_unavailable`) a slot that passed today (for a delivery: starts
    before `earliest`, when a rider could be there) or is full, naming it and the next open
    slot (`details.next_slot`, null when none is left in the coming days)."""
    now = now or timezone.now()
    passed = slot_start < max(now, earliest or now)
    if not passed and taken_at(store, slot_start, kind) < capacity(kind):
        return
    offered = open_slots(store, now=now, kind=kind, earliest=earliest)
    after = next((s for s in offered if s > slot_start), offered[0] if offered else None)
    reason = (_("已过") if slot_start < now else _("早于预计送达时间")) if passed else _("已约满")
    what = _("送达时段") if kind == DELIVERY else _("自提时段")
    if after is None:
        message = _("%(what)s %(slot)s %(reason)s，近期没有可预约的时段。") % {
            "what": what,
            "slot": _label(slot_start),
            "reason": reason,
        }
    else:
        message = _("%(what)s %(slot)s %(reason)s，最近可选 %(next)s，请确认后再提交。") % {
            "what": what,
            "slot": _label(slot_start),
            "reason": reason,
            "next": _label(after),
        }
    raise Conflict(
        message,
        code="slot_unavailable",
        fields={"delivery_slot" if kind == DELIVERY else "pickup_slot": message},
        details={
            "slot": slot_start.isoformat(),
            "reason": ("passed" if slot_start < now else "too_early") if passed else "full",
            "next_slot": after.isoformat() if after else None,
        },
    )
