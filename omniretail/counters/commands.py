"""Server -> device commands. Each command's envelope is fixed and signed (HMAC-SHA256 with
the device's command key) when it is made, so what the device verifies is exactly what the
server decided: kind, arguments, the counter it is for, a nonce and a ~15 s expiry.
Delivery is at-least-once (long-poll); the device executes a nonce once and acknowledges."""

import json
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core.errors import Conflict, NotFound, field_error
from omniretail.core.signing import sign
from omniretail.counters.models import Command, Counter
from omniretail.counters.services import command_key, live_credentials

REDELIVER_AFTER = timedelta(seconds=5)
OPS_KINDS = (Command.Kind.SHOW_CONTENT, Command.Kind.REBOOT)
ACK_STATUSES = ("done", "rejected", "failed")


def ttl() -> timedelta:
    return timedelta(seconds=settings.OMNI_COUNTER_COMMAND_TTL_S)


def canonical(envelope: dict) -> bytes:
    """The signed bytes: UTF-8 JSON, keys sorted, no whitespace (docs/counter-protocol.md)."""
    return json.dumps(envelope, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signature_for(envelope: dict) -> str:
    return sign(command_key(envelope["key_id"]), canonical(envelope))


def issue(*, counter: Counter, kind: str, args: dict, now=None) -> Command:
    """Sign and queue a command for the counter's newest live credential."""
    now = now or timezone.now()
    credential = live_credentials(counter, now).order_by("-created_at", "-id").first()
    if credential is None:
        raise Conflict(_("售货柜没有有效的设备凭证。"), code="no_credential")
    expires_at = now + ttl()
    command = Command(counter=counter, kind=kind, expires_at=expires_at)
    command.envelope = {
        "v": 1,
        "id": command.public_id,
        "counter": counter.code,
        "key_id": credential.key_id,
        "kind": kind,
        "args": args,
        "issued_at": int(now.timestamp()),
        "expires_at": int(expires_at.timestamp()),
        "nonce": secrets.token_hex(16),
    }
    command.signature = signature_for(command.envelope)
    command.save()
    return command


@transaction.atomic
def send_ops_command(*, counter: Counter, kind: str) -> Command:
    """Staff may push content or reboot; an unlock is never available here (only a paid
    vend issues one)."""
    if kind not in OPS_KINDS:
        raise field_error("kind", _("只能下发展示内容或重启指令。"))
    args = {"content": counter.content} if kind == Command.Kind.SHOW_CONTENT else {}
    return issue(counter=counter, kind=kind, args=args)


def _due(now) -> Q:
    """New commands, and delivered-but-unacknowledged ones again after a pause."""
    return (
        Q(status=Command.Status.PENDING)
        | Q(status=Command.Status.DELIVERED, delivered_at__lte=now - REDELIVER_AFTER)
    ) & Q(expires_at__gt=now)


def due_counters(counter_ids: list[int]) -> set[int]:
    """Which of these counters have a command to collect (one query for all waiters)."""
    return set(
        Command.objects.filter(_due(timezone.now()), counter_id__in=counter_ids)
        .values_list("counter_id", flat=True)
        .distinct()
    )


def claim(*, counter: Counter, now=None) -> list[Command]:
    """Commands to hand to a poll; each claim is a conditional UPDATE, so two polls never
    both take one."""
    now = now or timezone.now()
    claimed = []
    for command in Command.objects.filter(_due(now), counter=counter).order_by("id")[:20]:
        if Command.objects.filter(pk=command.pk, status=command.status).update(
            status=Command.Status.DELIVERED, delivered_at=now
        ):
            claimed.append(command)
    return claimed


def wire(command: Command, *, key_id: str | None = None) -> dict:
    """The command as delivered to a poll made with credential `key_id`: while an older
    credential is not revoked (rotation), its controller gets the same command named and
    signed for its own key, since it cannot know the newer one."""
    if key_id is None or key_id == command.envelope["key_id"]:
        return {"command": command.envelope, "signature": command.signature}
    envelope = {**command.envelope, "key_id": key_id}
    return {"command": envelope, "signature": signature_for(envelope)}


@transaction.atomic
def acknowledge(*, counter: Counter, command_id: str, status: str, reason: str = "") -> Command:
    """The device reports a command done, rejected (it refused to run it) or failed (it
    tried and could not); the first acknowledgement counts, a repeat changes nothing, and
    one for a command that expired undelivered changes nothing either (it stays `expired`).
    A late one for a delivered command still counts."""
    if status not in ACK_STATUSES:
        raise field_error("status", _("状态须为 done、rejected 或 failed。"))
    command = Command.objects.filter(counter=counter, public_id=command_id).first()
    if command is None:
        raise NotFound(
            _("找不到该指令。"), code="unknown_command", fields={"command": _("指令不存在")}
        )
    final = Command.Status.ACKED if status == "done" else Command.Status.REJECTED
    Command.objects.filter(
        pk=command.pk, status__in=[Command.Status.PENDING, Command.Status.DELIVERED]
    ).update(status=final, acked_at=timezone.now(), result=f"{status}:{reason}"[:200])
    command.refresh_from_db()
    return command
