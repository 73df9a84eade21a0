"""The one event path of the chat (as Zulip does it): a row is written, then one event goes
to the group's channel-layer group after the commit, so nobody sees a message the database
does not hold. Sockets in this process (in-memory layer) or in any process (Redis layer)
receive it; the polling fallback reads the table instead."""

import json
import logging
import threading
from contextlib import contextmanager

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


def message_event(message: dict) -> dict:
    """The event of a written message, its socket frame encoded once here: every member's
    consumer sends the same text as it is, instead of each encoding it again (and the
    in-memory layer deep-copying the nested payload) once per recipient."""
    return {"type": "chat.message", "frame": json.dumps({"type": "message", "message": message})}


def room(group) -> str:
    """The channel-layer group name of a chat group (letters, digits, dots only)."""
    return f"community.{group.public_id}"


def _send(name: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(name, event)
    except Exception:  # a lost broadcast must not undo a written message: clients catch up
        log.exception("chat broadcast to %s failed", name)


_held = threading.local()


@contextmanager
def held_for_the_loop():
    """Inside, a committed event is kept (yielded list of (room, event)) instead of sent from
    this thread: the socket consumer's database thread hands it back and the event loop
    sends it, so the one database thread of the process is free for the next write at
    once instead of waiting on a loop busy writing to hundreds of sockets."""
    box: list[tuple[str, dict]] = []
    _held.box = box
    try:
        yield box
    finally:
        _held.box = None


def after_commit(group, event: dict) -> None:
    name = room(group)
    box = getattr(_held, "box", None)
    if box is not None:
        transaction.on_commit(lambda: box.append((name, event)))
    else:
        transaction.on_commit(lambda: _send(name, event))


async def send_held(layer, held: list[tuple[str, dict]]) -> None:
    for name, event in held:
        try:
            await layer.group_send(name, event)
        except Exception:  # as _send: the row is written, clients catch up by id
            log.exception("chat broadcast to %s failed", name)
