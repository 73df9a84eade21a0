"""What the ops console does with counters beyond the registry calls: register one with its
bays in one step (all or nothing), set display content from uploaded pictures, and read a
counter's faults and uptime."""

from contextlib import ExitStack
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator, organizations_of, require_user
from omniretail.catalog.models import Sku
from omniretail.core import uploads
from omniretail.core.errors import ValidationFailed, field_error
from omniretail.counters import services
from omniretail.counters.models import Counter, DeviceEvent
from omniretail.stores.models import Store

MAX_BAYS = 24
MAX_SPIN_FRAMES = 72
UPTIME_WINDOW = timedelta(hours=24)


def stores_for_actor(user):
    """The stores that may serve a new counter: the actor's merchants' active stores."""
    require_user(user)
    qs = Store.objects.filter(is_active=True).select_related("merchant").order_by("name")
    return qs if is_platform_operator(user) else qs.filter(merchant__in=organizations_of(user))


def _whole(value, field: str) -> int:
    raw = str(value if value is not None else "").strip()
    if not raw.isdigit():
        raise field_error(field, _("请填写非负整数。"))
    return int(raw)


@transaction.atomic
def register_with_bays(*, actor, store_id, bays: list[dict], **fields) -> Counter:
    """The counter and every bay, or nothing: a refused bay names its row
    (`bays.<n>.sku`, ...) and rolls the counter back with it. Rows with neither a number
    nor a SKU are blank form rows, skipped (keeping the others' row numbers)."""
    store = stores_for_actor(actor).filter(public_id=str(store_id or "")).first()
    if store is None:
        raise field_error("store", _("请选择服务门店。"))
    if len(bays) > MAX_BAYS:
        raise field_error("bays", _("最多 %(n)s 个格口。") % {"n": MAX_BAYS})
    counter = services.register_counter(actor=actor, store=store, **fields)
    for index, bay in enumerate(bays):
        if not str(bay.get("number", "")).strip() and not str(bay.get("sku", "")).strip():
            continue
        prefix = f"bays.{index}"
        sku = Sku.objects.filter(code=str(bay.get("sku", "")).strip(), is_active=True).first()
        if sku is None:
            raise field_error(f"{prefix}.sku", _("找不到该 SKU 编码。"))
        try:
            services.add_bay(
                actor=actor,
                counter=counter,
                number=bay.get("number", ""),
                sku=sku,
                par_level=_whole(bay.get("par_level"), f"{prefix}.par_level"),
                capacity=_whole(bay.get("capacity"), f"{prefix}.capacity"),
                test_ride=bool(bay.get("test_ride")),
            )
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.message,
                fields={f"{prefix}.{k.split('.')[-1]}": v for k, v in exc.fields.items()},
            ) from None
    return counter


def set_content_from_uploads(
    *, actor, counter: Counter, headline, videos, media_files, spin_files
) -> Counter:
    """Headline and video links as typed; new pictures replace the counter's media, new
    frames (in the order chosen) its 360° spin; none sent keeps what it shows. Pictures go
    through core.uploads and are removed again when the content is refused."""
    services.require_manager(actor, counter)
    media_files, spin_files = list(media_files or []), list(spin_files or [])
    if len(spin_files) > MAX_SPIN_FRAMES:
        raise field_error("spins", _("360° 最多 %(n)s 帧。") % {"n": MAX_SPIN_FRAMES})
    if len(spin_files) == 1:
        raise field_error("spins", _("360° 展示至少需要 2 帧。"))
    content = {**counter.content, "headline": headline, "videos": list(videos)}
    with ExitStack() as stack:
        if media_files:
            saved = stack.enter_context(
                uploads.saved_images(media_files, folder="counters", field="media")
            )
            content["media"] = [uploads.photo_url(image.name) for image in saved]
        if spin_files:
            frames = []
            size = uploads.MAX_PHOTOS
            for start in range(0, len(spin_files), size):
                chunk = spin_files[start : start + size]
                frames += stack.enter_context(
                    uploads.saved_images(chunk, folder="spins", field="spins")
                )
            content["spins"] = [[uploads.photo_url(image.name) for image in frames]]
        return services.set_content(actor=actor, counter=counter, content=content)


def uptime(counter: Counter, now=None) -> float | None:
    """Share of the last 24 hours (since registration if later) in which the counter was
    heard from, in windows of OMNI_COUNTER_OFFLINE_S; None before it was ever heard."""
    now = now or timezone.now()
    start = max(now - UPTIME_WINDOW, counter.created_at)
    if counter.last_seen_at is None or now <= start:
        return None
    window = settings.OMNI_COUNTER_OFFLINE_S
    seen = DeviceEvent.objects.filter(counter=counter, received_at__gte=start).values_list(
        "received_at", flat=True
    )
    buckets = {int((at - start).total_seconds()) // window for at in seen}
    total = max(1, -(-int((now - start).total_seconds()) // window))
    return min(1.0, len(buckets) / total)


def faults(counter: Counter, limit: int = 30):
    return counter.events.filter(
        kind__in=[DeviceEvent.Kind.FAULT, DeviceEvent.Kind.TAMPER, DeviceEvent.Kind.FAULT_CLEARED]
    ).order_by("-received_at")[:limit]
