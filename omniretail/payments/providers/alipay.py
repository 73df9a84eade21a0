"""Alipay (支付宝开放平台) with RSA2 signatures, on Alipay's published protocol: WAP pay
(手机网站支付) by redirect, precreate (当面付扫码) for a QR code to show, payment codes
(条码支付) with the query-until-final loop, query, close, refund (partial by out_request_no),
the asynchronous notifications, and the daily statement (业务明细). Written on `cryptography`
because python-alipay-sdk fixes its gateway to Alipay's two hosts, while the local sandbox
(`omniretail.sandbox_alipay`) must be reachable by the very same code.

Our out_trade_no is the intent's public id, and it is the intent's provider_reference too:
a WAP trade has no Alipay trade_no until the payer opens the cashier, and every answer and
notification echoes out_trade_no under Alipay's signature. Alipay's trade_no is kept in raw."""

import base64
import csv
import io
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.core.money import money
from omniretail.payments.providers.base import (
    CallbackEvent,
    CallbackRejected,
    Capability,
    ChargeState,
    PaymentProvider,
    ProviderUnavailable,
    RefundAnswer,
    StaleCallback,
    Started,
    StatementLine,
)

logger = logging.getLogger(__name__)

ALIPAY_GATEWAY = "https://openapi.alipay.com/gateway.do"
SANDBOX_GATEWAY_PATH = "/sandbox-alipay/gateway.do"
CALLBACK_PATH = "/api/payments/callbacks/alipay"
CN = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
TIMEOUT_S = 10
# trade_status -> our charge state, and -> the event its notification reports
CHARGE_STATES = {
    "WAIT_BUYER_PAY": "pending",
    "TRADE_SUCCESS": "paid",
    "TRADE_FINISHED": "paid",
    "TRADE_CLOSED": "closed",
}
EVENTS = {
    "WAIT_BUYER_PAY": "charge.processing",
    "TRADE_SUCCESS": "charge.succeeded",
    "TRADE_FINISHED": "charge.succeeded",
    "TRADE_CLOSED": "charge.failed",
}


class MalformedCallback(ValidationFailed):
    status = 400
    code = "callback_malformed"


@dataclass(frozen=True)
class Config:
    app_id: str
    seller_id: str
    gateway: str
    private_key_path: str
    alipay_public_key_path: str


def config() -> Config:
    """The real app where OMNI_ALIPAY_APP_ID is set; otherwise the local sandbox, at this
    site's own address (`OMNI_PUBLIC_BASE_URL`), with the keys it generated."""
    if settings.OMNI_ALIPAY_APP_ID:
        return Config(
            app_id=settings.OMNI_ALIPAY_APP_ID,
            seller_id=settings.OMNI_ALIPAY_SELLER_ID,
            gateway=settings.OMNI_ALIPAY_GATEWAY or ALIPAY_GATEWAY,
            private_key_path=settings.OMNI_ALIPAY_PRIVATE_KEY_PATH,
            alipay_public_key_path=settings.OMNI_ALIPAY_PUBLIC_KEY_PATH,
        )
    keys = settings.OMNI_SANDBOX_ALIPAY_KEYS
    return Config(
        app_id=settings.OMNI_SANDBOX_ALIPAY_APP_ID,
        seller_id=settings.OMNI_SANDBOX_ALIPAY_SELLER_ID,
        gateway=settings.OMNI_ALIPAY_GATEWAY
        or settings.OMNI_PUBLIC_BASE_URL.rstrip("/") + SANDBOX_GATEWAY_PATH,
        private_key_path=str(keys.get("sandbox_alipay_app_private", "")),
        alipay_public_key_path=str(keys.get("sandbox_alipay_public", "")),
    )


@cache
def _private_key(path: str):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


@cache
def _public_key(path: str):
    """Alipay's public key as Alipay's console hands it out: PEM, or the bare base64 line."""
    with open(path, "rb") as f:
        data = f.read().strip()
    if not data.startswith(b"-----"):
        data = b"-----BEGIN PUBLIC KEY-----\n" + data + b"\n-----END PUBLIC KEY-----\n"
    return serialization.load_pem_public_key(data)


def signing_text(params: Mapping[str, str], *, exclude: tuple[str, ...]) -> str:
    """Alipay's signed text: non-empty parameters but `exclude`, sorted, `k=v` joined by `&`."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in exclude and v != "")


def _sign(text: str, cfg: Config) -> str:
    key = _private_key(cfg.private_key_path)
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def _verify(text: str, signature: str, cfg: Config) -> bool:
    try:
        _public_key(cfg.alipay_public_key_path).verify(
            base64.b64decode(signature, validate=True),
            text.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def _yuan(amount: Decimal) -> str:
    return f"{money(amount):.2f}"


def _cn(moment: datetime) -> str:
    return timezone.localtime(moment, CN).strftime(TIME_FORMAT)


def signed_request(method: str, biz: dict, cfg: Config, **extra: str) -> dict[str, str]:
    """The common parameters, biz_content and the RSA2 signature over all but `sign`."""
    params = {
        "app_id": cfg.app_id,
        "method": method,
        "format": "JSON",
        "charset": "utf-8",
        "sign_type": "RSA2",
        "timestamp": _cn(timezone.now()),
        "version": "1.0",
        "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        **{k: v for k, v in extra.items() if v},
    }
    return params | {"sign": _sign(signing_text(params, exclude=("sign",)), cfg)}


def _response_text(body: str, key: str) -> str:
    """The exact JSON text of `key`'s value in Alipay's answer: the signature covers those
    characters, not a re-serialisation of them."""
    start = body.find(f'"{key}"')
    if start < 0:
        raise ValueError(f"no {key} in the answer")
    start = body.index(":", start + len(key) + 2) + 1
    while body[start] in " \t\r\n":
        start += 1
    _obj, end = json.JSONDecoder().raw_decode(body, start)
    return body[start:end]


def call(method: str, biz: dict, *, cfg: Config | None = None, **extra: str) -> dict:
    """POST one method to the gateway and return its `<method>_response` object once
    Alipay's signature over it checks; an unsigned or garbled answer is no answer."""
    cfg = cfg or config()
    data = urllib.parse.urlencode(signed_request(method, biz, cfg, **extra)).encode()
    request = urllib.request.Request(
        cfg.gateway,
        data=data,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            body = response.read().decode("utf-8")
    except (urllib.error.URLError, OSError, UnicodeDecodeError) as exc:
        raise ProviderUnavailable(f"alipay {method} failed: {exc}") from exc
    key = method.replace(".", "_") + "_response"
    try:
        envelope = json.loads(body)
        if key not in envelope:
            error = envelope.get("error_response", {})
            raise ProviderUnavailable(
                f"alipay {method}: {error.get('code')} {error.get('sub_code')}"
            )
        text = _response_text(body, key)
        payload = json.loads(text)
    except ValueError as exc:
        raise ProviderUnavailable(f"alipay {method} answer is malformed") from exc
    signature = envelope.get("sign")
    if not signature:
        raise ProviderUnavailable(
            f"alipay {method} refused the request: {payload.get('code')} "
            f"{payload.get('sub_code')} {payload.get('sub_msg')}"
        )
    if not _verify(text, signature, cfg):
        raise ProviderUnavailable(f"alipay {method} answer is not signed by Alipay")
    return payload


def _amount_of(data: Mapping, name: str) -> Decimal:
    return money(str(data[name]))


class Alipay(PaymentProvider):
    name = "alipay"
    label = gettext_lazy("支付宝")
    capabilities = frozenset(
        {
            Capability.REDIRECT,
            Capability.QR,
            Capability.PAYMENT_CODE,
            Capability.REFUND,
            Capability.PARTIAL_REFUND,
            Capability.QUERY,
            Capability.CLOSE,
        }
    )

    @property
    def limit(self) -> Decimal:  # type: ignore[override]
        return money(settings.OMNI_ALIPAY_LIMIT)

    def available(self) -> bool:
        """Configured (app id and both keys), or the local sandbox switched on."""
        if settings.OMNI_ALIPAY_APP_ID:
            return bool(
                settings.OMNI_ALIPAY_PRIVATE_KEY_PATH and settings.OMNI_ALIPAY_PUBLIC_KEY_PATH
            )
        return bool(settings.OMNI_SANDBOX_ALIPAY and settings.OMNI_SANDBOX_ALIPAY_KEYS)

    def _order(self, intent, **extra) -> dict:
        return {
            "out_trade_no": intent.public_id,
            "total_amount": _yuan(intent.amount),
            "subject": f"Omniretail {intent.purpose} {intent.reference}"[:256],
            **extra,
        }

    def _notify_url(self) -> str:
        return settings.OMNI_PUBLIC_BASE_URL.rstrip("/") + CALLBACK_PATH

    def start_qr(self, intent) -> Started:
        return self.start(intent, trade_type="NATIVE")

    def start(self, intent, *, return_url: str = "", trade_type: str = "H5") -> Started:
        """手机网站支付: a page API, so nothing is sent to Alipay yet; the payer's browser
        carries the signed request to the gateway, which opens the cashier. `trade_type`
        NATIVE (the WeChat Pay adapter's name for it) asks for a QR code instead."""
        if trade_type == "NATIVE":
            return self.show_qr(intent)
        cfg = config()
        base = settings.OMNI_PUBLIC_BASE_URL.rstrip("/")
        back = base + (return_url or "/")
        biz = self._order(intent, product_code="QUICK_WAP_WAY", quit_url=back)
        if intent.expires_at:
            biz["time_expire"] = _cn(intent.expires_at)
        params = signed_request(
            "alipay.trade.wap.pay", biz, cfg, return_url=back, notify_url=self._notify_url()
        )
        return Started(
            next_action="redirect",
            redirect_url=f"{cfg.gateway}?{urllib.parse.urlencode(params)}",
            provider_reference=intent.public_id,
        )

    def show_qr(self, intent) -> Started:
        """当面付扫码 (alipay.trade.precreate): a QR code for a screen, the payer scans it."""
        biz = self._order(intent)
        if intent.expires_at:
            biz["time_expire"] = _cn(intent.expires_at)
        answer = call("alipay.trade.precreate", biz, notify_url=self._notify_url())
        if answer.get("code") != "10000" or not answer.get("qr_code"):
            raise ProviderUnavailable(
                f"alipay precreate: {answer.get('code')} {answer.get('sub_code')}"
            )
        return Started(
            next_action="show_qr", qr_code=answer["qr_code"], provider_reference=intent.public_id
        )

    def collect(self, intent, *, auth_code: str) -> ChargeState:
        """条码支付: 10000 paid, 10003 the payer confirms on the phone (then `query` until
        final), 40004 refused; anything else is unknown and asked again by `query`. The
        trade expires at Alipay after OMNI_ALIPAY_CODE_WAIT_S unconfirmed."""
        deadline = timezone.now() + timedelta(seconds=settings.OMNI_ALIPAY_CODE_WAIT_S)
        biz = self._order(
            intent,
            scene="bar_code",
            auth_code=auth_code,
            product_code="FACE_TO_FACE_PAYMENT",
            time_expire=_cn(deadline),
        )
        answer = call("alipay.trade.pay", biz, notify_url=self._notify_url())
        code = answer.get("code")
        if code == "10000":
            if _amount_of(answer, "total_amount") != intent.amount:
                raise ProviderUnavailable("alipay paid another amount than asked")
            return ChargeState("paid", intent.amount, intent.public_id, answer)
        if code == "40004":
            return ChargeState(
                "closed",
                intent.amount,
                intent.public_id,
                answer | {"reason": answer.get("sub_code")},
            )
        return ChargeState("pending", intent.amount, intent.public_id, answer)

    def query(self, intent) -> ChargeState:
        """alipay.trade.query by out_trade_no. A trade Alipay does not know (a WAP cashier
        never opened) is still payable until the intent expires; a payment code or page
        still awaiting the payer past that is withdrawn (alipay.trade.cancel) and closed."""
        answer = call("alipay.trade.query", {"out_trade_no": intent.public_id})
        code, status = answer.get("code"), answer.get("trade_status", "")
        expired = intent.expires_at is not None and intent.expires_at <= timezone.now()
        if code == "40004" and answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            state = "closed" if expired else "pending"
            return ChargeState(state, intent.amount, intent.public_id, answer)
        if code != "10000" or status not in CHARGE_STATES:
            raise ProviderUnavailable(f"alipay query answered {code} {answer.get('sub_code')}")
        try:
            amount = _amount_of(answer, "total_amount")
        except (KeyError, ValueError) as exc:
            raise ProviderUnavailable("alipay query answer has no amount") from exc
        state = CHARGE_STATES[status]
        if state == "pending" and expired:
            cancelled = call("alipay.trade.cancel", {"out_trade_no": intent.public_id})
            if cancelled.get("code") == "10000":
                state, answer = "closed", answer | {"cancelled": cancelled}
        return ChargeState(state, amount, intent.public_id, answer)

    def cancel(self, intent) -> None:
        """alipay.trade.close; a trade Alipay never opened needs no closing."""
        answer = call("alipay.trade.close", {"out_trade_no": intent.public_id})
        if answer.get("code") == "10000" or answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return
        if answer.get("sub_code") == "ACQ.TRADE_STATUS_ERROR":
            raise Conflict(_("付款人已在支付宝完成支付，无法取消。"), code="already_paid")
        raise ProviderUnavailable(
            f"alipay close answered {answer.get('code')} {answer.get('sub_code')}"
        )

    def refund(self, refund) -> RefundAnswer:
        """alipay.trade.refund, one out_request_no per refund (so several partial refunds,
        and a retry of one is recognised). Alipay answers synchronously: fund_change Y is
        money back; N on a retry is confirmed by the refund query."""
        answer = call(
            "alipay.trade.refund",
            {
                "out_trade_no": refund.intent.public_id,
                "refund_amount": _yuan(refund.amount),
                "out_request_no": refund.public_id,
                "refund_reason": refund.reason[:256],
            },
        )
        if answer.get("code") != "10000":
            logger.warning(
                "alipay refused refund %s: %s %s",
                refund.public_id,
                answer.get("sub_code"),
                answer.get("sub_msg"),
            )
            raise Conflict(
                _("支付宝拒绝了退款：%(reason)s") % {"reason": answer.get("sub_msg", "")},
                code="refund_refused",
            )
        if answer.get("fund_change") == "Y":
            return RefundAnswer(refund.public_id)
        return RefundAnswer(refund.public_id, settled=self.refund_state(refund) == "succeeded")

    def refund_state(self, refund) -> str:
        answer = call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": refund.intent.public_id, "out_request_no": refund.public_id},
        )
        if answer.get("code") != "10000":
            raise ProviderUnavailable(f"alipay refund query answered {answer.get('code')}")
        if answer.get("refund_status") == "REFUND_SUCCESS":
            return "succeeded"
        return "pending"

    def statement(self, day: date) -> Iterable[StatementLine]:
        """The day's 业务明细: a download URL from alipay.data.dataservice.bill.downloadurl
        .query, then the zip's detail CSV (GBK, Alipay's comment lines around the table,
        each value followed by a tab). Refund lines carry the refund's out_request_no."""
        answer = call(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.isoformat()},
        )
        url = answer.get("bill_download_url")
        if answer.get("code") != "10000" or not url:
            raise ProviderUnavailable(
                f"alipay bill: {answer.get('sub_code')} {answer.get('sub_msg')}"
            )
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
                archive = zipfile.ZipFile(io.BytesIO(response.read()))
            return list(parse_statement(archive))
        except (urllib.error.URLError, OSError, zipfile.BadZipFile) as exc:
            raise ProviderUnavailable(f"alipay bill download failed: {exc}") from exc

    def verify_callback(self, *, body: bytes, headers: Mapping[str, str]) -> CallbackEvent:
        """Alipay's signature (RSA2 over the sorted parameters without sign and sign_type),
        then that it is our app's and seller's, then its freshness (notify_time), then shape."""
        try:
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise MalformedCallback(_("回调内容格式错误。")) from exc
        params = dict(pairs)
        cfg = config()
        if params.get("sign_type") != "RSA2" or not _verify(
            signing_text(params, exclude=("sign", "sign_type")), params.get("sign", ""), cfg
        ):
            raise CallbackRejected(_("回调签名无效。"), code="callback_bad_signature")
        if params.get("app_id") != cfg.app_id or (
            cfg.seller_id and params.get("seller_id") != cfg.seller_id
        ):
            raise CallbackRejected(_("回调不属于本商户的支付宝应用。"), code="callback_wrong_app")
        try:
            sent = datetime.strptime(params["notify_time"], TIME_FORMAT).replace(tzinfo=CN)
            status = params["trade_status"]
            refund_id = params.get("out_biz_no", "") if params.get("refund_fee") else ""
            event_type = "refund.succeeded" if refund_id else EVENTS[status]
            amount = _amount_of(params, "refund_fee" if refund_id else "total_amount")
            event = CallbackEvent(
                event_id=params["notify_id"],
                type=event_type,
                intent_id=params["out_trade_no"],
                charge_id=params["out_trade_no"],
                amount=amount,
                refund_id=refund_id,
                reason="closed_at_provider" if status == "TRADE_CLOSED" else "",
                raw=params,
            )
        except (KeyError, ValueError, InvalidOperation) as exc:
            raise MalformedCallback(_("回调内容格式错误。")) from exc
        if (
            abs((timezone.now() - sent).total_seconds())
            > settings.OMNI_PAYMENT_CALLBACK_TOLERANCE_S
        ):
            raise StaleCallback(_("回调时间已过期。"))
        return event

    def acknowledge(self, *, accepted: bool, message: str = "") -> tuple[int, str, bytes]:
        """Alipay stops sending only on the plain text `success`; anything else is retried."""
        if accepted:
            return 200, "text/plain; charset=utf-8", b"success"
        return 400, "text/plain; charset=utf-8", b"fail"


COLUMNS = (
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "完成时间",
    "订单金额（元）",
    "商家实收（元）",
    "退款批次号/请求号",
)


def parse_statement(archive: zipfile.ZipFile) -> Iterable[StatementLine]:
    """The 业务明细 file's table rows (not its 汇总 summary): 交易 lines are payments, 退款
    lines refunds (amount as a positive number, refund_id the out_request_no)."""
    for info in archive.infolist():
        name = info.filename
        if not info.flag_bits & 0x800:  # Alipay's own archives name their files in GBK
            name = name.encode("cp437").decode("gbk", "replace")
        if name.endswith("业务明细.csv"):
            text = archive.read(info).decode("gbk")
            break
    else:
        raise ProviderUnavailable("alipay bill archive has no 业务明细 file")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    rows = csv.reader(lines)
    header = [column.strip() for column in next(rows, [])]
    try:
        col = {name: header.index(name) for name in COLUMNS}
    except ValueError as exc:
        raise ProviderUnavailable("alipay bill has an unknown layout") from exc
    for raw in rows:
        row = [value.strip() for value in raw]
        kind = row[col["业务类型"]]
        at = datetime.strptime(row[col["完成时间"]], TIME_FORMAT).replace(tzinfo=CN)
        if kind == "交易":
            amount, refund_id = money(row[col["订单金额（元）"]]), ""
        elif kind == "退款":
            amount, refund_id = (
                abs(money(row[col["商家实收（元）"]])),
                row[col["退款批次号/请求号"]],
            )
        else:
            continue
        yield StatementLine(
            intent_id=row[col["商户订单号"]],
            provider_reference=row[col["支付宝交易号"]],
            amount=amount,
            at=at,
            refund_id=refund_id,
        )
