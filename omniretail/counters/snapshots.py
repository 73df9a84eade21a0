"""Camera snapshots: a counter attaches one JPEG to an event it sent (a scan, presence, a door
opened or closed for a vend, a repair vehicle left, a tamper alarm). The file goes through
core.uploads (a real JPEG, re-encoded, EXIF and GPS gone) and is stored under FOLDER, a name
core.uploads never serves publicly: only the counter's merchant and the platform see it, through
`image_of`. Every face OpenCV finds is pixelated before the photo is stored (core.faces). A
sweep deletes snapshots older than OMNI_COUNTER_SNAPSHOT_RETENTION_DAYS."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core import faces, uploads
from omniretail.core.errors import NotFound, field_error
from omniretail.counters.device import MAX_SEQ
from omniretail.counters.models import Counter, DeviceEvent, RepairTicket, Snapshot, Vend

FOLDER = "private/snapshots"  # two levels: never a public media name (core.media refuses it)
FIELD = "image"
MAX_BYTES = 1024 * 1024
K = DeviceEvent.Kind
KINDS = (K.SCAN, K.PRESENCE, K.DOOR_OPENED, K.DOOR_CLOSED, K.TAMPER, K.VEHICLE_LEFT)
VEND_WINDOW = timedelta(minutes=15)  # a door event belongs to the vend unlocked before it
PURGE_BATCH = 500


def _event(counter: Counter, seq) -> DeviceEvent:
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq < MAX_SEQ:
        raise field_error("seq", _("序号须为正整数。"))
    event = DeviceEvent.objects.filter(counter=counter, seq=seq).first()
    if event is None:
        raise NotFound(
            _("该售货柜没有序号为 %(seq)s 的事件。") % {"seq": seq},
            code="unknown_event",
            fields={"seq": _("请先发送事件，再上传它的照片")},
        )
    if event.kind not in KINDS:
        raise field_error("seq", _("该类事件不带照片。"))
    return event


def _belongs_to(counter: Counter, event: DeviceEvent) -> dict:
    """The vend a door event is part of, the repair a vehicle_left reports."""
    if event.kind == K.VEHICLE_LEFT:
        ticket_id = str(event.data.get("ticket", ""))
        return {"ticket": RepairTicket.objects.filter(counter=counter, public_id=ticket_id).first()}
    if event.kind in (K.DOOR_OPENED, K.DOOR_CLOSED):
        vends = Vend.objects.filter(
            counter=counter,
            created_at__lte=event.received_at,
            created_at__gt=event.received_at - VEND_WINDOW,
        ).exclude(status__in=[Vend.Status.AWAITING_PAYMENT, Vend.Status.CANCELLED])
        if bay := event.data.get("bay"):
            vends = vends.filter(bay__number=str(bay))
        return {"vend": vends.order_by("-created_at", "-id").first()}
    return {}


def attach(*, counter: Counter, seq, files) -> tuple[Snapshot, bool]:
    """Store the event's one snapshot; (snapshot, created). A retry for an event that already
    has one stores nothing and answers the first (so a lost answer is safe to retry)."""
    event = _event(counter, seq)
    existing = Snapshot.objects.filter(event=event).first()
    if existing is not None:
        return existing, False
    files = list(files or [])
    if len(files) != 1:
        raise field_error(FIELD, _("每个事件上传一张 JPEG 照片。"))
    if files[0].size is None or files[0].size > MAX_BYTES:
        raise field_error(FIELD, _("照片不能超过 %(kb)s KB。") % {"kb": MAX_BYTES // 1024})
    at = datetime.fromtimestamp(event.at, UTC) if event.at is not None else event.received_at
    # privacy: a passer-by's face is never stored; the upload path then checks, strips EXIF
    # and re-encodes what is left
    data, _count = faces.blurred(files[0].read())
    files = [SimpleUploadedFile(files[0].name, data, content_type="image/jpeg")]
    try:
        with (
            uploads.saved_photos(files, folder=FOLDER, field=FIELD) as (name,),
            transaction.atomic(),
        ):
            if not name.endswith(".jpg"):
                raise field_error(FIELD, _("摄像头照片须为 JPEG。"))
            snapshot = Snapshot.objects.create(
                counter=counter, event=event, image=name, taken_at=at, **_belongs_to(counter, event)
            )
    except IntegrityError:  # a concurrent retry stored it first; its file was removed
        return Snapshot.objects.get(event=event), False
    return snapshot, True


def for_counter(counter: Counter, *, limit: int = 50):
    """The newest snapshots of a counter the caller already may see (selectors scope it)."""
    return Snapshot.objects.filter(counter=counter).select_related("event", "vend", "ticket")[
        :limit
    ]


def image_of(counter: Counter, snapshot_id: str):
    """The open file of one of the counter's snapshots, for staff who may see the counter."""
    snapshot = Snapshot.objects.filter(counter=counter, public_id=snapshot_id).first()
    if snapshot is None or not default_storage.exists(snapshot.image):
        raise NotFound(_("找不到该照片。"), code="unknown_snapshot")
    return default_storage.open(snapshot.image)


def purge_expired(*, now=None) -> int:
    """Delete snapshots (rows and files) older than the retention period; idempotent, in
    batches, so a sweep that stops half-way is finished by the next one."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OMNI_COUNTER_SNAPSHOT_RETENTION_DAYS)
    removed = 0
    while batch := list(
        Snapshot.objects.filter(created_at__lt=cutoff).values_list("pk", "image")[:PURGE_BATCH]
    ):
        for _pk, name in batch:
            default_storage.delete(name)
        removed += Snapshot.objects.filter(pk__in=[pk for pk, _name in batch]).delete()[0]
    return removed
