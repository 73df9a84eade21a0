"""Device -> server: credential check and the telemetry events. Each event carries the
device's own increasing sequence number; the counter row keeps the highest accepted one and
one conditional UPDATE claims a new number, so a retry (same number, same body) is answered
as a duplicate, an older number is refused, and neither changes anything."""

import hmac
import json
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core.errors import (
    Conflict,
    NotAuthenticated,
    PermissionDenied,
    ValidationFailed,
    field_error,
)
from omniretail.core.idempotency import fingerprint
from omniretail.core.signing import digest
from omniretail.counters import commands, repairs, vending
from omniretail.counters.models import Counter, Credential, DeviceEvent, StaffTask
from omniretail.counters.services import close_tasks, flag, open_task

K = DeviceEvent.Kind
SCHEME = "Counter"
MAX_SEQ = 2**62  # exclusive: the largest sequence number a device may send is 2^62 - 1
MAX_BAY_QUANTITY = 1000
PRESENCE_FIELDS = {"people": 1000, "dwell_s": 86400}  # visitors counted, seconds they stayed


class CredentialRevoked(PermissionDenied):
    code = "credential_revoked"


class StaleSequence(Conflict):
    code = "stale_sequence"


def _parse(header: str | None) -> tuple[str, str, str]:
    """`Counter <key_id>.<secret>` -> (scheme, key_id, secret), empty parts when malformed.
    The scheme's name is case-insensitive (RFC 7235): `counter` and `COUNTER` are `Counter`."""
    scheme, _sep, token = (header or "").strip().partition(" ")
    key_id, _dot, secret = token.strip().partition(".")
    return scheme.lower(), key_id, secret


def key_id_of(header: str | None) -> str:
    """The key id of an `Authorization` header `authenticate` has accepted."""
    return _parse(header)[1]


def authenticate(header: str | None) -> Counter:
    """`Authorization: Counter <key_id>.<secret>` -> the counter; 401 unknown, 403 revoked
    (by staff, or by the end of a rotation's overlap), saying which and since when."""
    return credential_for(header).counter


def credential_for(header: str | None) -> Credential:
    scheme, key_id, secret = _parse(header)
    if scheme != SCHEME.lower() or not key_id or not secret:
        raise NotAuthenticated(_("缺少售货柜设备凭证。"), code="device_unauthenticated")
    # a slice, not .first(): no ORDER BY to compile on the hottest query of the API
    found = Credential.objects.select_related("counter").filter(key_id=key_id)[:1]
    credential = found[0] if found else None
    if credential is None or not hmac.compare_digest(credential.secret_hash, digest(secret)):
        raise NotAuthenticated(_("设备凭证无效。"), code="device_unauthenticated")
    ended = credential.ended_at()
    if ended is not None:
        rotated = credential.expires_at is not None and ended == credential.expires_at
        raise CredentialRevoked(
            _("该设备凭证已被新凭证替换，过渡期已结束。") if rotated else _("该设备凭证已被吊销。"),
            details={
                "key_id": key_id,
                "reason": "rotated" if rotated else "revoked",
                "revoked_at": int(ended.timestamp()),
            },
        )
    return credential


def _bays_report(counter: Counter, data: dict) -> dict[str, int]:
    """`bays: [{"bay": "1", "quantity": 3}, ...]`: every bay of this counter exactly once,
    so the report is the whole contents and no bay can be settled on a guess."""
    rows = data.get("bays")
    if not isinstance(rows, list) or not rows:
        raise field_error("data.bays", _("关门事件须报告各格口的商品数量。"))
    known = set(counter.bays.values_list("number", flat=True))
    report: dict[str, int] = {}
    for index, row in enumerate(rows):
        number = str(row.get("bay", "")) if isinstance(row, dict) else ""
        quantity = row.get("quantity") if isinstance(row, dict) else None
        if number not in known:
            raise ValidationFailed(
                _("售货柜没有格口 %(n)s。") % {"n": number},
                code="unknown_bay",
                fields={f"data.bays.{index}.bay": _("格口不存在")},
            )
        if number in report:
            raise ValidationFailed(
                _("格口 %(n)s 报告了两次。") % {"n": number},
                code="bay_listed_twice",
                fields={f"data.bays.{index}.bay": _("同一格口只能报告一次")},
                details={"bay": number},
            )
        if (
            isinstance(quantity, bool)
            or not isinstance(quantity, int)
            or not 0 <= quantity <= MAX_BAY_QUANTITY
        ):
            raise field_error(f"data.bays.{index}.quantity", _("数量须为非负整数。"))
        report[number] = quantity
    missing = sorted(known - set(report))
    if missing:
        raise ValidationFailed(
            _("关门事件须报告每个格口的数量，缺少格口 %(n)s。") % {"n": "、".join(missing)},
            code="bays_missing",
            fields={"data.bays": _("缺少格口 %(n)s") % {"n": "、".join(missing)}},
            details={"missing": missing},
        )
    return report


def _validate(counter: Counter, kind: str, data) -> dict:
    if kind not in K.values:
        raise field_error("kind", _("未知的事件类型。"))
    if not isinstance(data, dict) or len(json.dumps(data)) > 8000:
        raise field_error("data", _("事件数据须为不超过 8KB 的对象。"))
    bay = data.get("bay")
    if (
        kind == K.DOOR_OPENED
        and bay is not None
        and not counter.bays.filter(number=str(bay)).exists()
    ):
        raise ValidationFailed(
            _("售货柜没有格口 %(n)s。") % {"n": data["bay"]},
            code="unknown_bay",
            fields={"data.bay": _("格口不存在")},
        )
    if kind == K.DOOR_CLOSED:
        return {"bays": _bays_report(counter, data)}
    if kind == K.PRESENCE:
        for name, top in PRESENCE_FIELDS.items():
            value = data.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
                raise field_error(f"data.{name}", _("须为 0 到 %(n)s 的整数。") % {"n": top})
    if kind == K.VEHICLE_LEFT and not isinstance(data.get("ticket"), str):
        raise field_error("data.ticket", _("请报告放下车辆的维修单号。"))
    return {}


@transaction.atomic
def record_event(
    *, counter: Counter, seq, kind: str, data: dict | None = None, at: int | None = None
) -> dict:
    """Accept one event exactly once; the answer says whether it was new or a retry (the
    same `seq` with the same body, its time `at` included)."""
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq < MAX_SEQ:
        raise field_error("seq", _("序号须为正整数。"))
    data = data or {}
    parsed = _validate(counter, kind, data)
    body = {"kind": kind, "data": data} | ({"at": at} if at is not None else {})
    event_fingerprint = fingerprint(body)
    now = timezone.now()
    claimed = Counter.objects.filter(pk=counter.pk, last_seq__lt=seq).update(
        last_seq=seq, last_seen_at=now
    )
    if not claimed:
        previous = DeviceEvent.objects.filter(counter=counter, seq=seq).first()
        counter.refresh_from_db(fields=["last_seq"])
        if previous is not None and previous.fingerprint == event_fingerprint:
            return {"seq": seq, "duplicate": True, "last_seq": counter.last_seq}
        raise StaleSequence(
            _("事件序号 %(seq)s 不大于已接收的 %(last)s。")
            % {"seq": seq, "last": counter.last_seq},
            fields={"seq": _("序号已过期")},
            details={"last_seq": counter.last_seq},
        )
    DeviceEvent.objects.create(
        counter=counter, seq=seq, kind=kind, data=data, at=at, fingerprint=event_fingerprint
    )
    result = _apply(counter, kind, data, parsed, now)
    return {"seq": seq, "duplicate": False, "last_seq": seq, **result}


def _apply(counter: Counter, kind: str, data: dict, parsed: dict, now) -> dict:
    S = Counter.Status
    if counter.status == S.OFFLINE:
        Counter.objects.filter(pk=counter.pk, status=S.OFFLINE).update(status=S.ONLINE)
    if kind == K.DOOR_OPENED:
        Counter.objects.filter(pk=counter.pk, door_open_since__isnull=True).update(
            door_open_since=now
        )
        vending.door_opened(counter, str(data["bay"]) if data.get("bay") is not None else None)
    elif kind == K.DOOR_CLOSED:
        Counter.objects.filter(pk=counter.pk).update(door_open_since=None)
        return vending.door_closed(counter, parsed["bays"])
    elif kind in (K.FAULT, K.TAMPER):
        reason = str(data.get("reason") or data.get("code") or kind)[:120]
        Counter.objects.filter(pk=counter.pk).exclude(status=S.MAINTENANCE).update(status=S.FAULT)
        if kind == K.TAMPER:
            flag(counter, _("摄像头/防拆告警：%(r)s") % {"r": reason}, Counter.FlagCause.TAMPER)
        open_task(
            counter=counter,
            kind=StaffTask.Kind.FAULT,
            key=kind,
            details={"kind": kind, "data": data},
            note=reason,
        )
    elif kind == K.FAULT_CLEARED:
        Counter.objects.filter(pk=counter.pk, status=S.FAULT).update(status=S.ONLINE)
        close_tasks(counter=counter, kind=StaffTask.Kind.FAULT, note=_("设备报告故障已恢复"))
    elif kind == K.VEHICLE_LEFT:
        ticket = repairs.vehicle_left(counter=counter, ticket_id=data["ticket"])
        return {"repair": {"ticket": ticket.public_id, "step": ticket.step}}
    return {}


def acknowledge(*, counter: Counter, command_id: str, status: str, reason: str = ""):
    with transaction.atomic():
        command = commands.acknowledge(
            counter=counter, command_id=command_id, status=status, reason=reason
        )
        vending.command_acknowledged(command)
        repairs.release_acknowledged(command)
    return command


def mark_offline(*, now=None) -> int:
    """Counters silent for longer than the limit are offline (sweep, idempotent)."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.OMNI_COUNTER_OFFLINE_S)
    return Counter.objects.filter(status=Counter.Status.ONLINE, last_seen_at__lt=cutoff).update(
        status=Counter.Status.OFFLINE
    )
