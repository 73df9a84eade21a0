"""Every write of the codes programme: ordering a batch, generating it in resumable chunks,
and claiming a code's points exactly once."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import require_role
from omniretail.catalog.models import Product
from omniretail.codes import points, tokens
from omniretail.codes.models import MAX_BATCH_SIZE, CodeBatch, CodeScan, PackagingCode
from omniretail.core.errors import Conflict, NotFound, field_error, refuse, require_quantity
from omniretail.core.logs import enqueue

CHUNK = 5_000
MAX_RETRIES = 3
MAX_POINTS_PER_SCAN = 10_000


class InvalidCode(NotFound):
    code = "invalid_code"
    default_message = _("二维码无效：这不是我们印制的码，或已被篡改。")


class AlreadyClaimed(Conflict):
    code = "already_claimed"


def _generate_task():
    from omniretail.codes.tasks import generate_batch_task

    return generate_batch_task


@transaction.atomic
def order_batch(
    *, actor, producer: Organization, sku, quantity, points_per_scan: int | None = None
) -> CodeBatch:
    """A producer orders `quantity` codes for one of its own SKUs; generation is queued in
    the same transaction, so a batch never exists without its job."""
    require_role(actor, producer)
    if producer.kind != Organization.Kind.PRODUCER:
        raise field_error("producer", _("只有生产商可以订购包装二维码。"))
    if sku is None or sku.product.owner_id != producer.pk:
        raise NotFound(_("找不到该商品规格。"), fields={"sku": _("不是本生产商的商品")})
    if sku.product.status != Product.Status.APPROVED:
        raise field_error("sku", _("商品审核通过后才能订购二维码。"))
    quantity = require_quantity(quantity, maximum=MAX_BATCH_SIZE)
    if points_per_scan is not None and (
        isinstance(points_per_scan, bool) or not isinstance(points_per_scan, int)
    ):
        raise field_error("points_per_scan", _("积分必须是整数。"))
    if points_per_scan is not None and not 0 <= points_per_scan <= MAX_POINTS_PER_SCAN:
        raise field_error(
            "points_per_scan",
            _("每次扫码积分需在 0 到 %(max)s 之间。") % {"max": MAX_POINTS_PER_SCAN},
        )
    batch = CodeBatch.objects.create(
        producer=producer,
        sku=sku,
        quantity=quantity,
        points_per_scan=points_per_scan,
        created_by=actor,
    )
    enqueue(_generate_task(), batch.pk)
    return batch


def generate_batch(*, batch_id: int, chunk: int = CHUNK) -> int:
    """Create the batch's remaining codes, one committed chunk at a time. Resumable and safe
    to run twice: each chunk starts where `generated` says and the unique serial makes a
    racing twin fail its chunk and stop. Returns how many codes this call made."""
    made = retries = 0
    CodeBatch.objects.filter(pk=batch_id, status=CodeBatch.Status.QUEUED).update(
        status=CodeBatch.Status.GENERATING, updated_at=timezone.now()
    )
    while True:
        batch = CodeBatch.objects.get(pk=batch_id)
        remaining = batch.quantity - batch.generated
        if remaining <= 0:
            break
        size = min(chunk, remaining)
        first = batch.generated + 1
        try:
            with transaction.atomic():
                PackagingCode.objects.bulk_create(
                    PackagingCode(batch_id=batch_id, serial=first + i, token=token)
                    for i, token in enumerate(tokens.new_tokens(size))
                )
                moved = CodeBatch.objects.filter(pk=batch_id, generated=batch.generated).update(
                    generated=F("generated") + size, updated_at=timezone.now()
                )
                if not moved:
                    raise IntegrityError("another worker generated this chunk")
        except IntegrityError:
            still_ours = CodeBatch.objects.filter(pk=batch_id, generated=batch.generated)
            if retries < MAX_RETRIES and still_ours.exists():
                retries += 1
                continue  # a token collided (2^-72 odds): draw the chunk again
            return made  # a twin is generating this batch (or the rows disagree: stop)
        made += size
    CodeBatch.objects.filter(pk=batch_id).exclude(status=CodeBatch.Status.READY).update(
        status=CodeBatch.Status.READY, finished_at=timezone.now(), updated_at=timezone.now()
    )
    return made


def resume_unfinished_batches() -> int:
    """Housekeeping: finish batches whose job was lost (a worker restart mid-batch)."""
    stale = timezone.now() - timedelta(minutes=2)
    done = 0
    for batch_id in CodeBatch.objects.filter(
        status__in=(CodeBatch.Status.QUEUED, CodeBatch.Status.GENERATING), updated_at__lt=stale
    ).values_list("pk", flat=True)[:5]:
        done += generate_batch(batch_id=batch_id)
    return done


def code_for_token(token: str) -> PackagingCode:
    """The code a genuine token names; a forged one is refused before the database."""
    if not tokens.is_genuine(token):
        raise InvalidCode()
    code = PackagingCode.objects.select_related("batch__sku__product", "batch__producer").filter(
        token=token
    )
    found = code.first()
    if found is None:
        raise InvalidCode()
    return found


def _coordinate(value, field: str, limit: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise field_error(field, _("坐标格式不正确。")) from None
    if not -limit <= number <= limit:
        raise field_error(field, _("坐标超出范围。"))
    return number


def claim_code(*, user, token: str, ip: str | None = None, lat=None, lon=None, user_agent=""):
    """The scan after an offline purchase: the first member to claim a genuine code gets its
    points, once (a conditional UPDATE on the code row decides, the ledger's idempotency key
    backs it up). Every scan is recorded with when, where and who; a repeat is refused
    kindly and leaves only its scan record."""
    code = code_for_token(token)
    where = {
        "ip": ip or None,
        "lat": _coordinate(lat, "lat", 90),
        "lon": _coordinate(lon, "lon", 180),
        "user_agent": (user_agent or "")[:200],
    }
    with transaction.atomic():
        now = timezone.now()
        claimed = PackagingCode.objects.filter(pk=code.pk, claimed_at__isnull=True).update(
            claimed_at=now, claimed_by=user
        )
        if claimed:
            batch = code.batch
            first = not CodeScan.objects.filter(
                user=user, outcome=CodeScan.Outcome.AWARDED, code__batch__producer=batch.producer
            ).exists()
            base, bonus = points.scan_points(batch=batch, first_scan=first)
            name = batch.sku.product.name
            points.award(
                user=user,
                points=base,
                producer=batch.producer,
                reason=_("扫码积分：%(name)s") % {"name": name},
                idempotency_key=f"codes:scan:{code.pk}",
            )
            # Keyed per member and producer: two first scans racing get the bonus once.
            points.award(
                user=user,
                points=bonus,
                producer=batch.producer,
                reason=_("首次扫码奖励：%(name)s") % {"name": name},
                idempotency_key=f"codes:first-scan:{batch.producer_id}:{user.pk}",
            )
            return CodeScan.objects.create(
                code=code, user=user, outcome=CodeScan.Outcome.AWARDED, points=base + bonus, **where
            )
    code.refresh_from_db(fields=["claimed_at", "claimed_by"])
    mine = code.claimed_by_id == user.pk
    message = (
        _("您已在 %(at)s 领取过这个码的积分，无需重复扫码。")
        if mine
        else _("这个码已在 %(at)s 被领取过了，积分只能领取一次。感谢您的支持！")
    ) % {"at": timezone.localtime(code.claimed_at).strftime("%Y-%m-%d %H:%M")}
    refuse(
        AlreadyClaimed(message),
        record=lambda: _record_repeat(code, user, where, now),
    )


def _record_repeat(code: PackagingCode, user, where: dict, at) -> None:
    """Idempotent: the repeat scan is written once even when the edge writes it again."""
    if not CodeScan.objects.filter(
        code=code, user=user, outcome=CodeScan.Outcome.ALREADY_CLAIMED, created_at__gte=at
    ).exists():
        CodeScan.objects.create(
            code=code, user=user, outcome=CodeScan.Outcome.ALREADY_CLAIMED, **where
        )


def scan_url(token: str) -> str:
    return f"{settings.OMNI_PUBLIC_BASE_URL}/q/{token}/"
