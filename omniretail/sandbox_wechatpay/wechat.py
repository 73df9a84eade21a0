"""The sandbox's side of WeChat Pay, written from the published protocol and independently of
the platform's adapter: it checks the merchant's request signatures (APIv3
WECHATPAY2-SHA256-RSA2048, APIv2 HMAC-SHA256), signs its answers with its platform key,
encrypts notifications with the APIv3 key (AEAD_AES_256_GCM) and POSTs them to notify_url
until a 2xx answer, keeps transactions and refunds in fen, and writes the daily trade bill
in WeChat's CSV format."""

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from omniretail.sandbox_wechatpay.models import Refund, Transaction
from omniretail.sandbox_wechatpay.routers import ALIAS

logger = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")
AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
REQUEST_TOLERANCE_S = 300
REFUND_SETTLE_S = 0.3  # a refund is PROCESSING this long, then SUCCESS and notified
CODE_PREFIXES = ("10", "11", "12", "13", "14", "15")  # a WeChat payment code: 18 digits

_inflight: set[threading.Thread] = set()
_inflight_lock = threading.Lock()


class ApiError(Exception):
    """An error answer as WeChat Pay gives it: HTTP status and {"code", "message"}."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def db() -> str:
    return ALIAS if ALIAS in settings.DATABASES else "default"


# -- keys ---------------------------------------------------------------------------------


@cache
def _merchant_public_key(path: str):
    """The merchant's API public key (WeChat has it from the certificate the merchant
    uploaded; the sandbox reads it off the key pair it generated)."""
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None).public_key()


@cache
def _platform_key(path: str):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


def sign_with_platform_key(message: bytes) -> str:
    key = _platform_key(settings.OMNI_SANDBOX_WECHATPAY_PLATFORM_KEY_PATH)
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode()


def platform_headers(body: bytes) -> dict[str, str]:
    """Wechatpay-* headers over `timestamp\\nnonce\\nbody\\n`, as on every answer and notice."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    return {
        "Wechatpay-Timestamp": timestamp,
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Serial": settings.OMNI_SANDBOX_WECHATPAY_PLATFORM_SERIAL,
        "Wechatpay-Signature": sign_with_platform_key(message),
        "Wechatpay-Signature-Type": AUTH_SCHEMA,
        "Request-ID": secrets.token_hex(12),
    }


# -- APIv3 request authentication ---------------------------------------------------------


def authenticate(*, method: str, path: str, body: bytes, authorization: str) -> str:
    """The mchid of a request whose Authorization header proves it is the merchant's."""
    schema, _, params = authorization.partition(" ")
    fields = {}
    for part in params.split(","):
        key, _, value = part.strip().partition("=")
        fields[key] = value.strip('"')
    if schema != AUTH_SCHEMA or not {
        "mchid",
        "nonce_str",
        "timestamp",
        "serial_no",
        "signature",
    }.issubset(fields):
        raise ApiError(401, "SIGN_ERROR", "Authorization 格式错误")
    if fields["mchid"] != settings.OMNI_WECHATPAY_MCHID:
        raise ApiError(401, "SIGN_ERROR", "商户号不存在")
    if fields["serial_no"] != settings.OMNI_WECHATPAY_CERT_SERIAL:
        raise ApiError(401, "SIGN_ERROR", "商户证书序列号有误")
    if (
        not fields["timestamp"].isdigit()
        or abs(time.time() - int(fields["timestamp"])) > REQUEST_TOLERANCE_S
    ):
        raise ApiError(401, "SIGN_ERROR", "请求时间戳已过期")
    message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n".encode()
    message += body + b"\n"
    try:
        _merchant_public_key(settings.OMNI_WECHATPAY_PRIVATE_KEY_PATH).verify(
            base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256()
        )
    except Exception as exc:  # InvalidSignature, bad base64
        raise ApiError(401, "SIGN_ERROR", "签名错误") from exc
    return fields["mchid"]


# -- transactions -------------------------------------------------------------------------


def _china(at: datetime | None) -> str:
    return at.astimezone(CHINA).isoformat(timespec="seconds") if at else ""


def _transaction_id() -> str:
    """28 digits, as WeChat's transaction ids are."""
    day = timezone.now().astimezone(CHINA).strftime("%Y%m%d")
    return f"4200{secrets.randbelow(10**6):06d}{day}{secrets.randbelow(10**10):010d}"


def create(*, trade_type: str, data: dict) -> Transaction:
    """统一下单 for H5, Native and JSAPI: the order, its prepay_id, nothing paid yet."""
    try:
        amount = data["amount"]
        total = amount["total"]
        fields = {
            "appid": str(data["appid"]),
            "mchid": str(data["mchid"]),
            "description": str(data["description"])[:127],
            "out_trade_no": str(data["out_trade_no"]),
            "notify_url": str(data["notify_url"]),
        }
    except (KeyError, TypeError) as exc:
        raise ApiError(400, "PARAM_ERROR", f"缺少参数 {exc}") from exc
    if not isinstance(total, int) or isinstance(total, bool) or total <= 0:
        raise ApiError(400, "PARAM_ERROR", "amount.total 应为正整数（分）")
    if amount.get("currency", "CNY") != "CNY":
        raise ApiError(400, "PARAM_ERROR", "仅支持人民币")
    if (
        fields["appid"] != settings.OMNI_WECHATPAY_APPID
        or fields["mchid"] != settings.OMNI_WECHATPAY_MCHID
    ):
        raise ApiError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
    if not 6 <= len(fields["out_trade_no"]) <= 32:
        raise ApiError(400, "PARAM_ERROR", "out_trade_no 长度应为 6 到 32")
    if not fields["notify_url"].startswith(("http://", "https://")):
        raise ApiError(400, "PARAM_ERROR", "notify_url 格式错误")
    openid = str((data.get("payer") or {}).get("openid", ""))
    if trade_type == "JSAPI" and not openid:
        raise ApiError(400, "PARAM_ERROR", "JSAPI 下单需要 payer.openid")
    with transaction.atomic(using=db()):
        existing = (
            Transaction.objects.using(db())
            .select_for_update()
            .filter(mchid=fields["mchid"], out_trade_no=fields["out_trade_no"])
            .first()
        )
        if existing is not None:
            if existing.trade_state == Transaction.State.SUCCESS:
                raise ApiError(400, "ORDERPAID", "该订单已支付")
            if existing.total != total or existing.trade_type != trade_type:
                raise ApiError(400, "INVALID_REQUEST", "201 商户订单号重复")
            return existing  # the same order asked again: the same prepay
        return Transaction.objects.using(db()).create(
            **fields,
            trade_type=trade_type,
            total=total,
            openid=openid,
            prepay_id="wx" + timezone.now().strftime("%d%H%M%S") + secrets.token_hex(12),
        )


def find(*, mchid: str, out_trade_no: str) -> Transaction:
    trade = Transaction.objects.using(db()).filter(mchid=mchid, out_trade_no=out_trade_no).first()
    if trade is None:
        raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
    return trade


def by_prepay(prepay_id: str) -> Transaction | None:
    return Transaction.objects.using(db()).filter(prepay_id=prepay_id).first()


def describe(trade: Transaction) -> dict:
    """查询订单's answer (also the decrypted resource of TRANSACTION.SUCCESS)."""
    answer = {
        "appid": trade.appid,
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "trade_type": trade.trade_type,
        "trade_state": trade.trade_state,
        "trade_state_desc": trade.trade_state_desc or trade.get_trade_state_display(),
        "attach": "",
        "amount": {"total": trade.total, "currency": "CNY"},
    }
    if trade.transaction_id:
        answer |= {
            "transaction_id": trade.transaction_id,
            "bank_type": "OTHERS",
            "success_time": _china(trade.success_time),
            "payer": {"openid": trade.openid or "o-sandbox-payer"},
        }
        answer["amount"] |= {"payer_total": trade.total, "payer_currency": "CNY"}
    return answer


def pay(trade: Transaction) -> Transaction:
    """The payer confirmed (cashier page, password on the phone): paid once, then notified
    (a payment code's payment is not notified: the merchant asks)."""
    now = timezone.now()
    with transaction.atomic(using=db()):
        moved = (
            Transaction.objects.using(db())
            .filter(
                pk=trade.pk,
                trade_state__in=(Transaction.State.NOTPAY, Transaction.State.USERPAYING),
            )
            .update(
                trade_state=Transaction.State.SUCCESS,
                trade_state_desc="支付成功",
                transaction_id=_transaction_id(),
                success_time=now,
            )
        )
        trade.refresh_from_db()
        if moved and trade.trade_type != "MICROPAY":
            notify(
                trade.notify_url,
                event_type="TRANSACTION.SUCCESS",
                summary="支付成功",
                original_type="transaction",
                resource=describe(trade),
            )
    return trade


def payer_declines(trade: Transaction) -> Transaction:
    """The payer pressed 取消: an H5/Native/JSAPI order stays payable (NOTPAY, as at WeChat);
    a payment code waiting for the password fails (PAYERROR)."""
    if trade.trade_state == Transaction.State.USERPAYING:
        Transaction.objects.using(db()).filter(
            pk=trade.pk, trade_state=Transaction.State.USERPAYING
        ).update(trade_state=Transaction.State.PAYERROR, trade_state_desc="用户取消支付")
    trade.refresh_from_db()
    return trade


def close(*, mchid: str, out_trade_no: str) -> None:
    trade = find(mchid=mchid, out_trade_no=out_trade_no)
    if trade.trade_state in (Transaction.State.SUCCESS, Transaction.State.REFUND):
        raise ApiError(400, "ORDERPAID", "订单已支付")
    Transaction.objects.using(db()).filter(
        pk=trade.pk, trade_state__in=(Transaction.State.NOTPAY, Transaction.State.USERPAYING)
    ).update(trade_state=Transaction.State.CLOSED, trade_state_desc="订单已关闭")


# -- refunds ------------------------------------------------------------------------------


def refund(*, mchid: str, data: dict) -> Refund:
    """申请退款: accepted as PROCESSING, settled (SUCCESS) a moment later and notified."""
    try:
        out_trade_no = str(data.get("out_trade_no") or "")
        out_refund_no = str(data["out_refund_no"])
        amount = data["amount"]
        refund_fen, total = amount["refund"], amount["total"]
    except (KeyError, TypeError) as exc:
        raise ApiError(400, "PARAM_ERROR", f"缺少参数 {exc}") from exc
    for value in (refund_fen, total):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ApiError(400, "PARAM_ERROR", "金额应为正整数（分）")
    with transaction.atomic(using=db()):
        trade = find(mchid=mchid, out_trade_no=out_trade_no)
        existing = (
            Refund.objects.using(db()).filter(trade=trade, out_refund_no=out_refund_no).first()
        )
        if existing is not None:
            return existing  # the same refund asked again
        trade = Transaction.objects.using(db()).select_for_update().get(pk=trade.pk)
        if trade.trade_state not in (Transaction.State.SUCCESS, Transaction.State.REFUND):
            raise ApiError(400, "INVALID_REQUEST", "订单未支付，不能退款")
        if total != trade.total:
            raise ApiError(400, "INVALID_REQUEST", "订单金额与原订单不符")
        if refund_fen > trade.total - trade.refunded:
            raise ApiError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        Transaction.objects.using(db()).filter(pk=trade.pk).update(
            refunded=F("refunded") + refund_fen, trade_state=Transaction.State.REFUND
        )
        row = Refund.objects.using(db()).create(
            trade=trade,
            out_refund_no=out_refund_no,
            refund_id="50" + secrets.token_hex(14)[:28],
            amount=refund_fen,
            reason=str(data.get("reason") or "")[:80],
            notify_url=str(data.get("notify_url") or trade.notify_url),
        )
        transaction.on_commit(lambda: _start(_settle_refund, row.pk), using=db())
    return row


def find_refund(*, mchid: str, out_refund_no: str) -> Refund:
    row = (
        Refund.objects.using(db())
        .select_related("trade")
        .filter(trade__mchid=mchid, out_refund_no=out_refund_no)
        .first()
    )
    if row is None:
        raise ApiError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return row


def describe_refund(row: Refund) -> dict:
    trade = row.trade
    return {
        "refund_id": row.refund_id,
        "out_refund_no": row.out_refund_no,
        "transaction_id": trade.transaction_id,
        "out_trade_no": trade.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "success_time": _china(row.success_time),
        "create_time": _china(row.created_at),
        "status": row.status,
        "amount": {
            "total": trade.total,
            "refund": row.amount,
            "payer_total": trade.total,
            "payer_refund": row.amount,
            "currency": "CNY",
        },
    }


def _settle_refund(pk: int) -> None:
    try:
        time.sleep(REFUND_SETTLE_S)
        with transaction.atomic(using=db()):
            if (
                not Refund.objects.using(db())
                .filter(pk=pk, status=Refund.Status.PROCESSING)
                .update(status=Refund.Status.SUCCESS, success_time=timezone.now())
            ):
                return
            row = Refund.objects.using(db()).select_related("trade").get(pk=pk)
            resource = {
                key: value
                for key, value in describe_refund(row).items()
                if key not in ("channel", "create_time")
            }
            resource["mchid"] = row.trade.mchid
            resource["refund_status"] = resource.pop("status")
            resource["amount"] = {
                k: resource["amount"][k] for k in ("total", "refund", "payer_total", "payer_refund")
            }
            notify(
                row.notify_url,
                event_type="REFUND.SUCCESS",
                summary="退款成功",
                original_type="refund",
                resource=resource,
            )
    finally:
        connections[db()].close()


# -- payment codes (APIv2, XML) -----------------------------------------------------------


def v2_sign(params: dict[str, str], key: str) -> str:
    """APIv2 HMAC-SHA256: the non-empty parameters but sign, sorted, k=v&..., &key=KEY."""
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k] != "")
    text += f"&key={key}"
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def parse_xml(body: bytes) -> dict[str, str]:
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise ValueError("not XML") from exc
    return {child.tag: (child.text or "") for child in root}


def to_xml(params: dict[str, str]) -> bytes:
    parts = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in params.items())
    return f"<xml>{parts}</xml>".encode()


def v2_answer(params: dict[str, str]) -> bytes:
    """A signed APIv2 answer; `params` without return_code is a business answer."""
    answer = {"return_code": "SUCCESS", "return_msg": "OK", **params}
    if answer["return_code"] == "SUCCESS":
        answer |= {
            "appid": settings.OMNI_WECHATPAY_APPID,
            "mch_id": settings.OMNI_WECHATPAY_MCHID,
            "nonce_str": secrets.token_hex(16),
        }
        answer["sign"] = v2_sign(answer, settings.OMNI_WECHATPAY_API_V2_KEY)
    return to_xml(answer)


def v2_request(body: bytes) -> dict[str, str]:
    """A v2 request whose HMAC-SHA256 signature is the merchant's; ApiError(return_code FAIL)."""
    try:
        params = parse_xml(body)
    except ValueError as exc:
        raise ApiError(200, "FAIL", "XML格式错误") from exc
    if params.get("sign_type", "MD5") != "HMAC-SHA256":
        raise ApiError(200, "FAIL", "签名类型错误（沙箱仅支持 HMAC-SHA256）")
    expected = v2_sign(params, settings.OMNI_WECHATPAY_API_V2_KEY)
    if not hmac.compare_digest(expected, params.get("sign", "")):
        raise ApiError(200, "FAIL", "签名错误")
    if (
        params.get("mch_id") != settings.OMNI_WECHATPAY_MCHID
        or params.get("appid") != settings.OMNI_WECHATPAY_APPID
    ):
        raise ApiError(200, "FAIL", "appid和mch_id不匹配")
    return params


def micropay(params: dict[str, str]) -> dict[str, str]:
    """付款码支付: paid at once, USERPAYING for a code that needs the payer's password
    (OMNI_SANDBOX_WECHATPAY_PASSWORD_PREFIX), or refused."""
    auth_code = params.get("auth_code", "")
    total = params.get("total_fee", "")
    out_trade_no = params.get("out_trade_no", "")
    if not (total.isdigit() and int(total) > 0 and 6 <= len(out_trade_no) <= 32):
        return {"result_code": "FAIL", "err_code": "PARAM_ERROR", "err_code_des": "参数错误"}
    if not (len(auth_code) == 18 and auth_code.isdigit() and auth_code.startswith(CODE_PREFIXES)):
        return {
            "result_code": "FAIL",
            "err_code": "AUTH_CODE_INVALID",
            "err_code_des": "付款码无效，请重新扫码",
        }
    with transaction.atomic(using=db()):
        if (
            Transaction.objects.using(db())
            .filter(mchid=settings.OMNI_WECHATPAY_MCHID, out_trade_no=out_trade_no)
            .exists()
        ):
            return {
                "result_code": "FAIL",
                "err_code": "OUT_TRADE_NO_USED",
                "err_code_des": "商户订单号重复",
            }
        trade = Transaction.objects.using(db()).create(
            mchid=settings.OMNI_WECHATPAY_MCHID,
            appid=settings.OMNI_WECHATPAY_APPID,
            out_trade_no=out_trade_no,
            prepay_id="mp" + secrets.token_hex(15),
            trade_type="MICROPAY",
            trade_state=Transaction.State.USERPAYING,
            description=params.get("body", "")[:127],
            total=int(total),
            auth_code=auth_code,
        )
    if auth_code.startswith(settings.OMNI_SANDBOX_WECHATPAY_PASSWORD_PREFIX):
        return {
            "result_code": "FAIL",
            "err_code": "USERPAYING",
            "err_code_des": "需要用户输入支付密码",
        }
    trade = pay(trade)
    return {
        "result_code": "SUCCESS",
        "openid": "o-sandbox-payer",
        "trade_type": "MICROPAY",
        "bank_type": "OTHERS",
        "fee_type": "CNY",
        "total_fee": str(trade.total),
        "cash_fee": str(trade.total),
        "transaction_id": trade.transaction_id,
        "out_trade_no": trade.out_trade_no,
        "time_end": trade.success_time.astimezone(CHINA).strftime("%Y%m%d%H%M%S"),
    }


def reverse(params: dict[str, str]) -> dict[str, str]:
    """撤销订单: a payment code's order is called off; if it was paid, the money goes back."""
    trade = (
        Transaction.objects.using(db())
        .filter(mchid=settings.OMNI_WECHATPAY_MCHID, out_trade_no=params.get("out_trade_no", ""))
        .first()
    )
    if trade is None:
        return {
            "result_code": "FAIL",
            "err_code": "ORDERNOTEXIST",
            "err_code_des": "订单不存在",
            "recall": "N",
        }
    if trade.trade_type != "MICROPAY":
        return {
            "result_code": "FAIL",
            "err_code": "TRADE_ERROR",
            "err_code_des": "只能撤销付款码订单",
            "recall": "N",
        }
    Transaction.objects.using(db()).filter(pk=trade.pk).exclude(
        trade_state=Transaction.State.REVOKED
    ).update(
        trade_state=Transaction.State.REVOKED,
        trade_state_desc="已撤销",
        refunded=trade.total if trade.transaction_id else 0,
    )
    return {"result_code": "SUCCESS", "recall": "N"}


def payments_awaiting_password(auth_code: str):
    return (
        Transaction.objects.using(db())
        .filter(auth_code=auth_code, trade_state=Transaction.State.USERPAYING)
        .order_by("-id")
    )


def payer_answers(*, out_trade_no: str, accept: bool) -> Transaction:
    """The payer on the phone types the password (accept) or cancels a payment code."""
    trade = find(mchid=settings.OMNI_WECHATPAY_MCHID, out_trade_no=out_trade_no)
    return pay(trade) if accept else payer_declines(trade)


# -- notifications ------------------------------------------------------------------------


def encrypt_resource(resource: dict, *, original_type: str) -> dict:
    """AEAD_AES_256_GCM with the APIv3 key, a 12-character nonce and associated data."""
    nonce = secrets.token_urlsafe(9)[:12]
    associated = original_type
    plaintext = json.dumps(resource, ensure_ascii=False).encode()
    ciphertext = AESGCM(settings.OMNI_WECHATPAY_API_V3_KEY.encode()).encrypt(
        nonce.encode(), plaintext, associated.encode()
    )
    return {
        "original_type": original_type,
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated,
        "nonce": nonce,
    }


def notification(*, event_type: str, summary: str, original_type: str, resource: dict) -> bytes:
    return json.dumps(
        {
            "id": secrets.token_hex(18),
            "create_time": _china(timezone.now()),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": summary,
            "resource": encrypt_resource(resource, original_type=original_type),
        },
        ensure_ascii=False,
    ).encode()


def notification_for(
    intent, *, transaction_id: str = "", amount=None
) -> tuple[bytes, dict[str, str]]:
    """A genuine TRANSACTION.SUCCESS notification for a platform intent (anything with
    `public_id` and `amount` in yuan), encrypted and signed exactly as the sandbox sends
    them: (body, headers) for `payments.services.handle_callback(provider="wechatpay")`
    (tests and bench/payments.py). `amount` overrides what the payer paid (yuan)."""
    fen = round(Decimal(str(intent.amount if amount is None else amount)) * 100)
    now = timezone.now()
    resource = {
        "appid": settings.OMNI_WECHATPAY_APPID,
        "mchid": settings.OMNI_WECHATPAY_MCHID,
        "out_trade_no": intent.public_id,
        "transaction_id": transaction_id or _transaction_id(),
        "trade_type": "MWEB",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": _china(now),
        "payer": {"openid": "o-sandbox-payer"},
        "amount": {"total": fen, "payer_total": fen, "currency": "CNY", "payer_currency": "CNY"},
    }
    body = notification(
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
        resource=resource,
    )
    return body, platform_headers(body)


def notify(url: str, **event) -> None:
    """Send after the sandbox's commit, in the background, like WeChat's notification queue."""
    body = notification(**event)
    transaction.on_commit(lambda: _start(_deliver, url, body), using=db())


def _start(target, *args) -> None:
    thread = threading.Thread(target=_tracked, args=(target, *args), daemon=True)
    with _inflight_lock:
        _inflight.add(thread)
    thread.start()


def _tracked(target, *args) -> None:
    try:
        target(*args)
    finally:
        with _inflight_lock:
            _inflight.discard(threading.current_thread())


def _deliver(url: str, body: bytes) -> None:
    """POST the notification, freshly signed each time; retry non-2xx answers, bounded."""
    attempts = max(1, int(settings.OMNI_SANDBOX_DELIVERY_ATTEMPTS))
    for attempt in range(attempts):
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", **platform_headers(body)},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                if 200 <= response.status < 300:
                    return
        except urllib.error.HTTPError as exc:
            logger.info("wechatpay sandbox notification to %s answered %s", url, exc.code)
        except (urllib.error.URLError, OSError) as exc:
            logger.info("wechatpay sandbox notification to %s failed: %s", url, exc)
        if attempt + 1 < attempts:
            time.sleep(settings.OMNI_SANDBOX_RETRY_BASE_S * 2**attempt)
    logger.warning("wechatpay sandbox gave up notifying %s after %s attempts", url, attempts)


def wait_for_deliveries(timeout: float = 10.0) -> bool:
    """Block until every notification and refund settlement in flight is done (tests)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _inflight_lock:
            pending = list(_inflight)
        if not pending:
            return True
        pending[0].join(max(0.0, deadline - time.monotonic()))
    return False


# -- the daily trade bill -----------------------------------------------------------------

BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
SUMMARY_HEADER = (
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
)
FEE_RATE = 0.006


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def trade_bill(*, mchid: str, day: date) -> bytes:
    """交易账单 (bill_type ALL) of a China-time day: a SUCCESS line per payment made that
    day, a REFUND line per refund settled that day, then the totals; every field starts
    with a backtick, as WeChat writes them."""
    start = datetime.combine(day, datetime.min.time(), tzinfo=CHINA)
    end = start + timedelta(days=1)
    lines = [BILL_HEADER]
    paid = refunded = fees = count = 0
    trades = (
        Transaction.objects.using(db())
        .filter(mchid=mchid, success_time__gte=start, success_time__lt=end)
        .order_by("success_time", "id")
    )
    for trade in trades:
        fee = round(trade.total * FEE_RATE)
        fields = [
            trade.success_time.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            trade.appid,
            trade.mchid,
            "0",
            "",
            trade.transaction_id,
            trade.out_trade_no,
            trade.openid or "o-sandbox-payer",
            trade.trade_type if trade.trade_type != "H5" else "MWEB",
            "SUCCESS",
            "OTHERS",
            "CNY",
            _yuan(trade.total),
            "0.00",
            "0",
            "0",
            "0.00",
            "0.00",
            "",
            "",
            trade.description,
            "",
            f"{fee / 100:.5f}",
            "0.60%",
            _yuan(trade.total),
            "0.00",
            "",
        ]
        lines.append(",".join("`" + f for f in fields))
        paid += trade.total
        fees += fee
        count += 1
    refunds = (
        Refund.objects.using(db())
        .select_related("trade")
        .filter(
            trade__mchid=mchid,
            status=Refund.Status.SUCCESS,
            success_time__gte=start,
            success_time__lt=end,
        )
        .order_by("success_time", "id")
    )
    for row in refunds:
        trade = row.trade
        fee = -round(row.amount * FEE_RATE)
        fields = [
            row.success_time.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            trade.appid,
            trade.mchid,
            "0",
            "",
            trade.transaction_id,
            trade.out_trade_no,
            trade.openid or "o-sandbox-payer",
            trade.trade_type if trade.trade_type != "H5" else "MWEB",
            "REFUND",
            "OTHERS",
            "CNY",
            "0.00",
            "0.00",
            row.refund_id,
            row.out_refund_no,
            _yuan(row.amount),
            "0.00",
            "ORIGINAL",
            "SUCCESS",
            trade.description,
            "",
            f"{fee / 100:.5f}",
            "0.60%",
            "0.00",
            _yuan(row.amount),
            "",
        ]
        lines.append(",".join("`" + f for f in fields))
        refunded += row.amount
        fees += fee
        count += 1
    lines.append(SUMMARY_HEADER)
    totals = [
        str(count),
        _yuan(paid),
        _yuan(refunded),
        "0.00",
        f"{fees / 100:.5f}",
        _yuan(paid),
        _yuan(refunded),
    ]
    lines.append(",".join("`" + f for f in totals))
    return ("\r\n".join(lines) + "\r\n").encode()


def bill_token(*, mchid: str, day: date) -> str:
    from django.core import signing

    return signing.dumps({"m": mchid, "d": day.isoformat()}, salt="sandbox_wechatpay.bill")


def bill_from_token(token: str) -> tuple[str, date]:
    from django.core import signing

    try:
        data = signing.loads(token, salt="sandbox_wechatpay.bill", max_age=30 * 60)
        return data["m"], date.fromisoformat(data["d"])
    except (signing.BadSignature, KeyError, ValueError) as exc:
        raise ApiError(400, "INVALID_REQUEST", "下载链接无效或已过期") from exc
