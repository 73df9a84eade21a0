"""Calls flow down, events flow up. A lower domain publishes a frozen dataclass; the outbox row
is written in the caller's transaction and delivered after commit by a task (or inline, or
only by the sweep: OMNI_EVENTS_DELIVERY); the sweep also takes what a crash left.
A deliverer claims the row first, so two never run its handlers at once; the handlers run
in a savepoint together with their `HandledEvent` markers, so redelivery never acts twice,
and the others run again without a failing one, so it never holds back their work. A failing
event backs off and finally goes dead, to be retried from the admin."""

import dataclasses
import functools
import importlib
import logging
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar, dataclass_transform

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task

from omniretail.core import inserts, reads
from omniretail.core.ids import new_public_id
from omniretail.core.logs import carries_request_id, enqueue
from omniretail.core.models import HandledEvent, OutboxEvent

logger = logging.getLogger(__name__)

_event_types: dict[str, type] = {}
_Event = TypeVar("_Event")
# event name -> its handlers, each with the payload values it is for ({} for every event)
_handlers: dict[str, list[tuple[Callable, dict[str, tuple]]]] = defaultdict(list)
# set while handlers run: the events they publish are delivered by the same deliverer
_delivering: ContextVar[bool] = ContextVar("omni_delivering_event", default=False)


@dataclass_transform(frozen_default=True, kw_only_default=True)
def event(cls: type[_Event]) -> type[_Event]:
    """Declare an event type: a frozen dataclass registered under its qualified name."""
    frozen = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
    _event_types[event_name(frozen)] = frozen
    return frozen


def event_name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def subscribe(event_cls, **only):
    """Run the handler for every `event_cls` event, or with `only` (field=value, such as
    purpose="order", or field=(value, value) for any of several) for those carrying these
    values alone: the others are none of its business and are passed over without a
    savepoint or a `HandledEvent` row."""
    wanted = {
        field: tuple(value) if isinstance(value, tuple | list | set | frozenset) else (value,)
        for field, value in only.items()
    }

    def register(func):
        _handlers[event_name(event_cls)].append((func, wanted))
        return func

    return register


def _handlers_for(name: str, payload: dict) -> dict[str, Callable]:
    """The handlers of an event with this payload, by qualified name."""
    return {
        f"{h.__module__}.{h.__qualname__}": h
        for h, wanted in _handlers.get(name, [])
        if all(payload.get(field) in values for field, values in wanted.items())
    }


def autodiscover_handlers() -> None:
    for config in apps.get_app_configs():
        if config.name.startswith("omniretail."):
            try:
                importlib.import_module(f"{config.name}.handlers")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.handlers":
                    raise


def _to_json(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def publish(evt) -> OutboxEvent:
    """Write the event to the outbox; it must be called inside the change's transaction."""
    payload = {f.name: _to_json(getattr(evt, f.name)) for f in dataclasses.fields(evt)}
    name = event_name(type(evt))
    due = timezone.now()
    if not _handlers_for(name, payload):
        # kept as what happened, with nothing to deliver: no task, no sweep
        return _written(
            OutboxEvent(
                event_id=new_public_id(),
                name=name,
                payload=payload,
                next_attempt_at=due,
                status=OutboxEvent.Status.DELIVERED,
                delivered_at=due,
            )
        )
    mode = settings.OMNI_EVENTS_DELIVERY
    if mode != "sweep":
        # Delivered after commit (a task, or inline); the sweep waits out the window so that
        # it only picks up what a crash or a lost task left, instead of racing every event.
        due += timedelta(seconds=settings.OMNI_OUTBOX_DELIVERY_WINDOW_S)
    row = _written(
        OutboxEvent(event_id=new_public_id(), name=name, payload=payload, next_attempt_at=due)
    )
    if mode == "inline":
        transaction.on_commit(lambda: deliver(row.pk))
    elif mode == "task" and _delivering.get():
        # published by a handler: its deliverer takes it after the commit, the next link of
        # a chain (a payment's event, then its order's) with no task of its own; robust, as
        # the change is committed and the sweep delivers it after the window
        transaction.on_commit(lambda: deliver(row.pk), robust=True)
    elif mode == "task":
        # robust: a queue that refuses the task must not fail the committed change; the
        # sweep delivers the event after the window
        transaction.on_commit(lambda: enqueue(deliver_event, outbox_pk=row.pk), robust=True)
    return row


def _written(row: OutboxEvent) -> OutboxEvent:
    """The row inserted by core.inserts: every change publishes, and the ORM's insert
    compiler cost more CPU than the statement."""
    inserts.insert([row])
    return row


def _rebuild(row: OutboxEvent):
    """The event from its payload; a field the payload lacks takes its default, or the
    payload is refused (TypeError) rather than handled with a None in its place."""
    cls = _event_types[row.name]
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in row.payload:
            value = row.payload[f.name]
            kwargs[f.name] = Decimal(value) if f.type in (Decimal, "Decimal") and value else value
    return cls(**kwargs)


def deliver(outbox_pk: int) -> bool:
    """Deliver one event now (inline, after its commit); False when it is already done, dead,
    held by another deliverer, or a handler failed."""
    with transaction.atomic():
        row = _claim_one(outbox_pk)
        return row is not None and _attempt(row, timezone.now())


@task()
@carries_request_id
def deliver_event(*, outbox_pk: int) -> bool:
    """The task a publisher enqueues after its commit: the worker delivers the event, so
    the request that paid an order does not run every handler of OrderPaid."""
    return deliver(outbox_pk)


def deliver_pending(limit: int = 500, *, now: datetime | None = None, fresh: bool = False) -> int:
    """Sweep due events, earliest `next_attempt_at` first, one claimed row per transaction;
    returns how many were delivered. A failing event backs off, so it never blocks newer ones.
    `fresh` also takes events still in their publisher's delivery window: for a caller that
    publishes and delivers inside one transaction (the demo loaders), whose after-commit
    delivery would run only at its end."""
    now = now or timezone.now()
    due = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING)
    if fresh:
        due = due.filter(attempts=0) | due.filter(next_attempt_at__lte=now)
    else:
        due = due.filter(next_attempt_at__lte=now)
    due = due.order_by("next_attempt_at", "id")
    delivered = 0
    for _ in range(limit):
        with transaction.atomic():
            row = _claim(due)
            if row is None:
                break
            delivered += _attempt(row, now)
    return delivered


def retry(queryset) -> int:
    """Give dead (or backing-off) events a fresh set of attempts, due at once."""
    return queryset.exclude(status=OutboxEvent.Status.DELIVERED).update(
        status=OutboxEvent.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )


def _claim(queryset) -> OutboxEvent | None:
    """Lock one pending row for this transaction. PostgreSQL skips rows another deliverer
    holds; SQLite has one writer at a time (IMMEDIATE transactions), which is claim enough."""
    return (
        queryset.filter(status=OutboxEvent.Status.PENDING)
        .select_for_update(skip_locked=True)
        .first()
    )


def _claim_one(outbox_pk: int) -> OutboxEvent | None:
    """`_claim` of one row by id, in plain SQL (core.reads): every event's delivery starts
    with it, and compiling the ORM's locking query cost more CPU than running it."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    condition = "t0.id = %s AND t0.status = %s" + (" FOR UPDATE SKIP LOCKED" if skip_locked else "")
    rows = reads.where(OutboxEvent, condition, [outbox_pk, OutboxEvent.Status.PENDING])
    return rows[0] if rows else None


def _run_handlers(row: OutboxEvent) -> list[str]:
    """Run the handlers not yet run for this claimed event; returns the failures. They run
    together in one savepoint with their markers in one INSERT (three statements of
    bookkeeping for n handlers, where each in its own savepoint cost 3n); when one fails,
    that is rolled back and the others run again without it, so their work is kept and
    only the failing one is retried."""
    todo = _handlers_for(row.name, row.payload)
    if todo and (row.attempts or row.last_error):
        # only an earlier attempt (counted, or failed before an admin's retry reset the
        # count) can have left markers: they commit with its count
        done = HandledEvent.objects.filter(event_id=row.event_id, handler__in=list(todo))
        for name in done.values_list("handler", flat=True):
            del todo[name]
    if not todo:
        return []
    try:
        evt = _rebuild(row)
    except Exception as exc:  # a payload this code no longer reads must not stop the sweep
        logger.exception("event %s cannot be rebuilt", row.event_id)
        return [f"{row.name}: {exc!r}"]
    errors = []
    while todo:
        failed = _run_together(row, evt, todo)
        if failed is None:
            break
        name, error = failed
        logger.error("event handler %s failed for %s", name, row.event_id, exc_info=error)
        errors.append(f"{name}: {error!r}")
        if name not in todo:  # the markers could not be written: none ran, all are retried
            break
        del todo[name]
    return errors


def _run_together(row: OutboxEvent, evt, todo: dict[str, Callable]) -> tuple[str, Exception] | None:
    """The handlers in one savepoint with their markers (one plain INSERT); on a failure,
    their work is rolled back and the failing handler's name (or "markers") and exception
    are returned."""
    running = "markers"
    try:
        with transaction.atomic():
            inserts.insert([HandledEvent(event_id=row.event_id, handler=name) for name in todo])
            for name, handler in todo.items():
                running = name
                handler(evt)
    except Exception as exc:  # a failing handler must not stop the others; it is retried
        return running, exc
    return None


@functools.cache
def _delivered_sql() -> str:
    qn = connection.ops.quote_name
    return (
        f"UPDATE {reads.table(OutboxEvent)} SET {qn('status')} = %s, {qn('attempts')} = %s,"
        f" {qn('delivered_at')} = %s WHERE {qn('id')} = %s"
    )


def _mark_delivered(pk: int, attempts: int) -> None:
    """The delivered event's row, in plain SQL: every delivery ends with it."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_delivered_sql(), [OutboxEvent.Status.DELIVERED, attempts, now, pk])


def _attempt(row: OutboxEvent, now: datetime) -> bool:
    """Run the claimed event's handlers and record the attempt: delivered, backing off
    (exponentially, up to the cap), or dead after the last allowed attempt."""
    token = _delivering.set(True)
    try:
        errors = _run_handlers(row)
    finally:
        _delivering.reset(token)
    attempts = row.attempts + 1
    if not errors:
        _mark_delivered(row.pk, attempts)
        return True
    dead = attempts >= settings.OMNI_OUTBOX_MAX_ATTEMPTS
    backoff = min(
        settings.OMNI_OUTBOX_RETRY_BASE_S * 2 ** min(attempts - 1, 30),
        settings.OMNI_OUTBOX_RETRY_CAP_S,
    )
    OutboxEvent.objects.filter(pk=row.pk).update(
        status=OutboxEvent.Status.DEAD if dead else OutboxEvent.Status.PENDING,
        attempts=attempts,
        next_attempt_at=now + timedelta(seconds=backoff),
        last_error="\n".join(errors)[:2000],
    )
    return False
