"""Calls flow down, events flow up. A lower domain publishes a frozen dataclass; the outbox row
is written in the caller's transaction and delivered after commit. Each handler runs in its
own transaction together with its `HandledEvent` marker, so redelivery never acts twice."""

import dataclasses
import importlib
import logging
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from omniretail.core.ids import new_public_id
from omniretail.core.models import HandledEvent, OutboxEvent

logger = logging.getLogger(__name__)

_event_types: dict[str, type] = {}
_handlers: dict[str, list[Callable]] = defaultdict(list)


def event(cls):
    """Declare an event type: a frozen dataclass registered under its qualified name."""
    frozen = dataclasses.dataclass(frozen=True, kw_only=True)(cls)
    _event_types[event_name(frozen)] = frozen
    return frozen


def event_name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def subscribe(event_cls):
    def register(func):
        _handlers[event_name(event_cls)].append(func)
        return func

    return register


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
    row = OutboxEvent.objects.create(
        event_id=new_public_id(), name=event_name(type(evt)), payload=payload
    )
    if settings.OMNI_EVENTS_INLINE:
        transaction.on_commit(lambda: deliver(row.pk))
    return row


def _rebuild(row: OutboxEvent):
    cls = _event_types[row.name]
    kwargs = {}
    for f in dataclasses.fields(cls):
        value = row.payload.get(f.name)
        kwargs[f.name] = Decimal(value) if f.type in (Decimal, "Decimal") and value else value
    return cls(**kwargs)


def deliver(outbox_pk: int) -> bool:
    """Run every handler not yet run for this event; True when all have succeeded."""
    row = OutboxEvent.objects.get(pk=outbox_pk)
    if row.delivered_at:
        return True
    evt = _rebuild(row)
    ok = True
    for handler in _handlers.get(row.name, []):
        handler_name = f"{handler.__module__}.{handler.__qualname__}"
        try:
            with transaction.atomic():
                HandledEvent.objects.create(event_id=row.event_id, handler=handler_name)
                handler(evt)
        except IntegrityError as exc:
            if HandledEvent.objects.filter(event_id=row.event_id, handler=handler_name).exists():
                continue  # another delivery got there first
            ok = False
            logger.exception("event handler %s failed for %s", handler_name, row.event_id)
            OutboxEvent.objects.filter(pk=row.pk).update(last_error=repr(exc)[:2000])
        except Exception as exc:  # a failing handler must not stop the others; it is retried
            ok = False
            logger.exception("event handler %s failed for %s", handler_name, row.event_id)
            OutboxEvent.objects.filter(pk=row.pk).update(last_error=repr(exc)[:2000])
    updates = {"attempts": row.attempts + 1}
    if ok:
        updates["delivered_at"] = timezone.now()
    OutboxEvent.objects.filter(pk=row.pk).update(**updates)
    return ok


def deliver_pending(limit: int = 500) -> int:
    """Sweep undelivered events (after a crash, or when delivery is not inline)."""
    pks = list(
        OutboxEvent.objects.filter(delivered_at__isnull=True).values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in pks if deliver(pk))
