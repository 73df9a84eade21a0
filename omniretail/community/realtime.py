"""The one event path of the chat (as Zulip does it): a row is written, then one event goes
to the group's channel-layer group after the commit, so nobody sees a message the database
does not hold. Sockets in this process (in-memory layer) or in any process (Redis layer)
receive it; the polling fallback reads the table instead."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)


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


def after_commit(group, event: dict) -> None:
    name = room(group)
    transaction.on_commit(lambda: _send(name, event))
