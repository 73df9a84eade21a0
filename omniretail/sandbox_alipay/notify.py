"""Alipay's asynchronous notifications (异步通知): form-encoded POSTs to the app's notify_url,
signed RSA2 over the sorted parameters without sign and sign_type, sent again until the app
answers the plain text `success` (Alipay spaces its retries over a day; the sandbox over
seconds, `OMNI_SANDBOX_DELIVERY_ATTEMPTS` times)."""

import hashlib
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from omniretail.sandbox_alipay import signing
from omniretail.sandbox_alipay.models import Notification, Trade

logger = logging.getLogger(__name__)
CN = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"

_inflight: set[threading.Thread] = set()
_inflight_lock = threading.Lock()


def _cn(moment) -> str:
    return timezone.localtime(moment, CN).strftime(TIME_FORMAT) if moment else ""


def signed_params(params: dict[str, str]) -> dict[str, str]:
    """`params` with Alipay's notification signature added."""
    params = {k: v for k, v in params.items() if v != ""} | {"sign_type": "RSA2"}
    return params | {"sign": signing.sign(signing.content(params, exclude=("sign", "sign_type")))}


def trade_params(trade: Trade, trade_status: str, *, refund=None, notify_id: str = "") -> dict:
    """A trade_status_sync notification of `trade`, signed."""
    params = {
        "notify_time": _cn(timezone.now()),
        "notify_type": "trade_status_sync",
        "notify_id": notify_id or uuid.uuid4().hex,
        "charset": "utf-8",
        "version": "1.0",
        "app_id": trade.app_id,
        "seller_id": settings.OMNI_SANDBOX_ALIPAY_SELLER_ID,
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "trade_status": trade_status,
        "total_amount": str(trade.total_amount),
        "subject": trade.subject,
        "buyer_id": "2088102146225135",
        "buyer_logon_id": "158****1562",
        "gmt_create": _cn(trade.gmt_create),
        "gmt_payment": _cn(trade.gmt_payment),
        "gmt_close": _cn(trade.gmt_close),
    }
    if trade.gmt_payment:
        params |= {
            "receipt_amount": str(trade.total_amount),
            "buyer_pay_amount": str(trade.total_amount),
        }
    if refund is not None:
        params |= {
            "out_biz_no": refund.out_request_no,
            "refund_fee": str(trade.refunded_amount),
            "gmt_refund": timezone.localtime(refund.gmt_refund, CN).strftime(TIME_FORMAT + ".%f")[
                :-3
            ],
        }
    return signed_params(params)


def signed_notification(
    intent, *, trade_status: str = "TRADE_SUCCESS", notify_id: str = "", app_id: str = ""
) -> tuple[bytes, dict[str, str]]:
    """A genuinely signed notification that `intent` (anything with `public_id` and `amount`)
    was paid, as Alipay would POST it: (body, headers) for
    `payments.services.handle_callback(provider="alipay", ...)`. No trade is written: the
    benchmark measures verifying and applying notifications, not the sandbox."""
    now = timezone.now()
    serial = int.from_bytes(hashlib.sha256(intent.public_id.encode()).digest()[:8]) % 10**15
    trade = Trade(
        trade_no=f"{timezone.localtime(now, CN):%Y%m%d}22001{serial:015d}",
        app_id=app_id or settings.OMNI_SANDBOX_ALIPAY_APP_ID,
        out_trade_no=intent.public_id,
        subject=f"Omniretail {intent.public_id}",
        total_amount=intent.amount,
        gmt_create=now,
        gmt_payment=now if trade_status in ("TRADE_SUCCESS", "TRADE_FINISHED") else None,
    )
    params = trade_params(trade, trade_status, notify_id=notify_id)
    return urllib.parse.urlencode(params).encode(), {"Content-Type": CONTENT_TYPE}


def send(trade: Trade, trade_status: str, *, refund=None) -> None:
    """Queue the notification; it leaves after the sandbox's transaction commits."""
    if not trade.notify_url:
        return
    params = trade_params(trade, trade_status, refund=refund)
    row = Notification.objects.create(
        notify_id=params["notify_id"],
        trade=trade,
        url=trade.notify_url,
        body=urllib.parse.urlencode(params),
    )
    transaction.on_commit(lambda: _start(row.pk), using=Notification.objects.db)


def _start(pk: int) -> None:
    thread = threading.Thread(target=_deliver, args=(pk,), daemon=True)
    with _inflight_lock:
        _inflight.add(thread)
    thread.start()


def _deliver(pk: int) -> None:
    """POST until the answer is `success`, with exponential backoff, bounded."""
    try:
        attempts = max(1, int(settings.OMNI_SANDBOX_DELIVERY_ATTEMPTS))
        row = Notification.objects.get(pk=pk)
        for attempt in range(attempts):
            answer = _post(row.url, row.body.encode())
            acknowledged = answer.strip() == "success"
            Notification.objects.filter(pk=pk).update(
                attempts=F("attempts") + 1, acknowledged=acknowledged, last_answer=answer[:200]
            )
            if acknowledged:
                return
            if attempt + 1 < attempts:
                time.sleep(settings.OMNI_SANDBOX_RETRY_BASE_S * 2**attempt)
        logger.warning("sandbox alipay gave up notifying %s after %s attempts", row.url, attempts)
    finally:
        connections[Notification.objects.db].close()  # this thread's own connection
        with _inflight_lock:
            _inflight.discard(threading.current_thread())


def _post(url: str, body: bytes) -> str:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": CONTENT_TYPE}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read(200).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}: {exc.read(200).decode('utf-8', 'replace')}"
    except (urllib.error.URLError, OSError) as exc:
        return f"unreachable: {exc}"


def wait_for_deliveries(timeout: float = 10.0) -> bool:
    """Block until every notification in flight is done (tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _inflight_lock:
            pending = list(_inflight)
        if not pending:
            return True
        pending[0].join(max(0.0, deadline - time.monotonic()))
    return False
