"""The sandbox gateway's own logic, playing a third-party payment company: charges, the
payer's decision on its checkout page, refunds, and signed asynchronous notifications that
misbehave on purpose (duplicates, delays, out of order) the way real gateways do."""

import csv
import io
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core.errors import Conflict, NotFound, ValidationFailed
from omniretail.core.ids import new_public_id
from omniretail.core.money import money
from omniretail.core.signing import sign_timestamped
from omniretail.payments.sandbox_gateway.models import SandboxCharge, SandboxRefund

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Sandbox-Signature"
TIMESTAMP_HEADER = "X-Sandbox-Timestamp"

_inflight: set[threading.Thread] = set()
_inflight_lock = threading.Lock()


def create_charge(
    *,
    merchant_reference: str,
    amount: Decimal,
    notify_url: str,
    return_url: str = "",
    description: str = "",
) -> SandboxCharge:
    return SandboxCharge.objects.create(
        merchant_reference=merchant_reference,
        amount=money(amount),
        notify_url=notify_url,
        return_url=return_url,
        description=description[:200],
    )


def get_charge(charge_id: str) -> SandboxCharge:
    charge = SandboxCharge.objects.filter(public_id=charge_id).first()
    if charge is None:
        raise NotFound(_("找不到该交易。"))
    return charge


def find_charge(*, charge_id: str = "", out_trade_no: str = "") -> SandboxCharge:
    """A charge by the gateway's id or by the merchant's own reference (its out_trade_no);
    of several charges for one reference, a paid one first."""
    charges = SandboxCharge.objects.all()
    if charge_id:
        charges = charges.filter(public_id=charge_id)
    else:
        charges = charges.filter(merchant_reference=out_trade_no)
    charge = charges.order_by(F("paid_at").desc(nulls_last=True), "-id").first()
    if charge is None:
        raise NotFound(_("找不到该交易。"), code="charge_not_found")
    return charge


STATEMENT_HEADER = ["交易时间", "交易号", "商户单号", "类型", "金额", "商户退款单号"]
CHINA = ZoneInfo("Asia/Shanghai")


def statement_csv(day: date) -> str:
    """The gateway's daily statement (对账单) of `day` in China time, as CSV: one line per
    payment (类型 `支付`, at its payment time) and per refund (`退款`, at its refund time)."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=CHINA)
    end = start + timedelta(days=1)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(STATEMENT_HEADER)
    for charge in SandboxCharge.objects.filter(paid_at__gte=start, paid_at__lt=end).order_by(
        "paid_at", "id"
    ):
        writer.writerow(
            [
                (charge.paid_at or start).astimezone(CHINA).isoformat(),
                charge.public_id,
                charge.merchant_reference,
                "支付",
                str(charge.amount),
                "",
            ]
        )
    refunds = SandboxRefund.objects.select_related("charge").filter(
        created_at__gte=start, created_at__lt=end
    )
    for refund in refunds.order_by("created_at", "id"):
        writer.writerow(
            [
                refund.created_at.astimezone(CHINA).isoformat(),
                refund.charge.public_id,
                refund.charge.merchant_reference,
                "退款",
                str(refund.amount),
                refund.merchant_refund_reference,
            ]
        )
    return out.getvalue()


def describe(charge: SandboxCharge) -> dict:
    """The query API's answer: the charge's state and amounts as the gateway holds them."""
    return {
        "charge_id": charge.public_id,
        "out_trade_no": charge.merchant_reference,
        "status": charge.status,
        "amount": str(charge.amount),
        "amount_refunded": str(charge.amount_refunded),
        "paid_at": charge.paid_at.isoformat() if charge.paid_at else None,
    }


def pay(*, charge_id: str) -> SandboxCharge:
    """The payer confirmed: the charge is paid once, then the merchant is notified."""
    with transaction.atomic():
        charge = get_charge(charge_id)
        now = timezone.now()
        if SandboxCharge.objects.filter(pk=charge.pk, status=SandboxCharge.Status.PENDING).update(
            status=SandboxCharge.Status.PAID, paid_at=now, updated_at=now
        ):
            charge.refresh_from_db()
            _notify_charge(charge, "charge.succeeded")
        elif charge.status != SandboxCharge.Status.PAID:
            raise Conflict(_("该交易已关闭，无法支付。"), code="charge_closed")
    return charge


def decline(*, charge_id: str) -> SandboxCharge:
    """The payer pressed 取消 on the gateway page."""
    with transaction.atomic():
        charge = get_charge(charge_id)
        if SandboxCharge.objects.filter(pk=charge.pk, status=SandboxCharge.Status.PENDING).update(
            status=SandboxCharge.Status.CANCELLED, updated_at=timezone.now()
        ):
            charge.refresh_from_db()
            _notify_charge(charge, "charge.failed", reason="cancelled_by_payer")
    return charge


def close(*, charge_id: str) -> bool:
    """The merchant withdraws an unpaid charge; False when the payer has already paid."""
    updated = SandboxCharge.objects.filter(
        public_id=charge_id, status=SandboxCharge.Status.PENDING
    ).update(status=SandboxCharge.Status.CANCELLED, updated_at=timezone.now())
    if updated:
        return True
    return get_charge(charge_id).status == SandboxCharge.Status.CANCELLED


def refund(*, charge_id: str, amount: Decimal, merchant_refund_reference: str) -> dict:
    """Refund synchronously (idempotent on the merchant's reference) and notify as well."""
    amount = money(amount)
    with transaction.atomic():
        existing = SandboxRefund.objects.filter(
            merchant_refund_reference=merchant_refund_reference
        ).first()
        if existing is not None:
            return {"refund_id": existing.public_id, "status": "succeeded"}
        charge = get_charge(charge_id)
        # Compare-and-set on the previous total: exact decimals, no SQL float arithmetic.
        if (
            charge.status != SandboxCharge.Status.PAID
            or amount > charge.amount - charge.amount_refunded
            or not SandboxCharge.objects.filter(
                pk=charge.pk, amount_refunded=charge.amount_refunded
            ).update(amount_refunded=charge.amount_refunded + amount, updated_at=timezone.now())
        ):
            raise ValidationFailed(_("网关拒绝退款：金额超出可退范围或交易未支付。"))
        row = SandboxRefund.objects.create(
            charge=charge, amount=amount, merchant_refund_reference=merchant_refund_reference
        )
        _notify(
            charge.notify_url,
            {
                "type": "refund.succeeded",
                "charge_id": charge.public_id,
                "merchant_reference": charge.merchant_reference,
                "refund_id": row.public_id,
                "merchant_refund_reference": merchant_refund_reference,
                "amount": str(amount),
            },
        )
    return {"refund_id": row.public_id, "status": "succeeded"}


def _notify_charge(charge: SandboxCharge, event_type: str, **extra) -> None:
    payload = {
        "type": event_type,
        "charge_id": charge.public_id,
        "merchant_reference": charge.merchant_reference,
        "amount": str(charge.amount),
        **extra,
    }
    _notify(charge.notify_url, payload)
    if event_type == "charge.succeeded" and _chance("out_of_order"):
        # A stale "processing" notice overtaken by the success, as real gateways send.
        _notify(charge.notify_url, {**payload, "type": "charge.processing"}, extra_delay=0.2)


def _notify(url: str, payload: dict, *, extra_delay: float = 0.0) -> None:
    """Send after commit, in the background, like a gateway's notification queue."""
    body = json.dumps(
        {"id": new_public_id(), "created": int(time.time()), **payload}, ensure_ascii=False
    ).encode()
    copies = 2 if _chance("duplicate") else 1
    delay = float(settings.OMNI_SANDBOX_CHAOS.get("delay_s", 0)) + extra_delay
    for _copy in range(copies):
        transaction.on_commit(lambda: _start_delivery(url, body, delay))


def _chance(kind: str) -> bool:
    """The sandbox's simulated misbehaviour (duplicates, reordering); nothing fair rides on it."""
    probability = float(settings.OMNI_SANDBOX_CHAOS.get(kind, 0))
    return probability > 0 and random.random() < probability


def _start_delivery(url: str, body: bytes, delay: float) -> None:
    thread = threading.Thread(target=_deliver, args=(url, body, delay), daemon=True)
    with _inflight_lock:
        _inflight.add(thread)
    thread.start()


def _deliver(url: str, body: bytes, delay: float) -> None:
    """POST the notification; retry non-2xx answers with exponential backoff, bounded."""
    try:
        if delay:
            time.sleep(delay)
        attempts = max(1, int(settings.OMNI_SANDBOX_DELIVERY_ATTEMPTS))
        for attempt in range(attempts):
            if _post(url, body):
                return
            if attempt + 1 < attempts:
                time.sleep(settings.OMNI_SANDBOX_RETRY_BASE_S * 2**attempt)
        logger.warning("sandbox gateway gave up notifying %s after %s attempts", url, attempts)
    finally:
        with _inflight_lock:
            _inflight.discard(threading.current_thread())


def _post(url: str, body: bytes) -> bool:
    timestamp, signature = sign_timestamped(settings.OMNI_SANDBOX_GATEWAY_SECRET, body)
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return 200 <= response.status < 300
    except urllib.error.HTTPError as exc:
        logger.info("sandbox notification to %s answered %s", url, exc.code)
    except (urllib.error.URLError, OSError) as exc:
        logger.info("sandbox notification to %s failed: %s", url, exc)
    return False


def wait_for_deliveries(timeout: float = 10.0) -> bool:
    """Block until every notification in flight is done (tests and graceful shutdown)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _inflight_lock:
            pending = list(_inflight)
        if not pending:
            return True
        pending[0].join(max(0.0, deadline - time.monotonic()))
    return False
