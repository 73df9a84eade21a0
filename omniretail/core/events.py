"""Calls flow down, events flow up. A lower domain publishes a frozen dataclass; the outbox row
is written in the caller's transaction and delivered after commit by a task (or inline, or
only by the sweep: OMNI_EVENTS_DELIVERY); the sweep also takes what a crash left.
A deliverer claims the row first, so two never run its handlers at once; each handler runs
in a savepoint together with its `HandledEvent` marker, so redelivery never acts twice. A
failing event backs off and finally goes dead, to be retried from the admin."""

import dataclasses
import importlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypeVar, dataclass_transform

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from omniretail.core.ids import new_public_id
from omniretail.core.logs import carries_request_id, enqueue
from omniretail.core.models import HandledEvent, OutboxEvent

logger = logging.getLogger(__name__)

_event_types: dict[str, type] = {}
_Event = TypeVar("_Event")
# event name -> its handlers, each with the payload values it is for ({} for every event)
_handlers: dict[str, list[tuple[Callable, dict[str, tuple]]]] = defaultdict(list)


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
        return OutboxEvent.objects.create(
            event_id=new_public_id(),
            name=name,
            payload=payload,
            next_attempt_at=due,
            status=OutboxEvent.Status.DELIVERED,
            delivered_at=due,
        )
    mode = settings.OMNI_EVENTS_DELIVERY
    if mode != "sweep":
        # Delivered after commit (a task, or inline); the sweep waits out the window so that
        # it only picks up what a crash or a lost task left, instead of racing every event.
        due += timedelta(seconds=settings.OMNI_OUTBOX_DELIVERY_WINDOW_S)
    row = OutboxEvent.objects.create(
        event_id=new_public_id(), name=name, payload=payload, next_attempt_at=due
    )
    if mode == "inline":
        transaction.on_commit(lambda: deliver(row.pk))
    elif mode == "task":
        # robust: a queue that refuses the task must not fail the committed change; the
        # sweep delivers the event after the window
        transaction.on_commit(lambda: enqueue(deliver_event, outbox_pk=row.pk), robust=True)
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
        row = _claim(OutboxEvent.objects.filter(pk=outbox_pk))
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


def _run_handlers(row: OutboxEvent) -> list[str]:
    """Run the handlers not yet run for this claimed event, each in a savepoint with its
    `HandledEvent` marker; returns the failures."""
    todo = _handlers_for(row.name, row.payload)
    if todo:
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
    for handler_name, handler in todo.items():
        try:
            with transaction.atomic():
                HandledEvent.objects.create(event_id=row.event_id, handler=handler_name)
                handler(evt)
        except Exception as exc:  # a failing handler must not stop the others; it is retried
            logger.exception("event handler %s failed for %s", handler_name, row.event_id)
            errors.append(f"{handler_name}: {exc!r}")
    return errors


def _attempt(row: OutboxEvent, now: datetime) -> bool:
    """Run the claimed event's handlers and record the attempt: delivered, backing off
    (exponentially, up to the cap), or dead after the last allowed attempt."""
    errors = _run_handlers(row)
    attempts = row.attempts + 1
    if not errors:
        OutboxEvent.objects.filter(pk=row.pk).update(
            status=OutboxEvent.Status.DELIVERED, attempts=attempts, delivered_at=timezone.now()
        )
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
