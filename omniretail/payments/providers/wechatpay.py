"""WeChat Pay (微信支付) on its published merchant API: APIv3 for orders (H5, Native QR,
JSAPI), queries, closing, refunds, notifications and the trade bill; APIv2 (XML) for
payment codes (付款码, /pay/micropay), which APIv3 does not offer to ordinary merchants.
The code here is exactly what talks to api.mch.weixin.qq.com; tests and the demo point
OMNI_WECHATPAY_BASE_URL at the protocol-faithful sandbox (omniretail.sandbox_wechatpay).
docs/payments-wechatpay.md."""

import base64
import hashlib
import hmac
import json
import secrets
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.core.errors import Conflict, DomainError, ValidationFailed
from omniretail.ledger.units import fen_to_yuan, yuan_to_fen
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

REAL_BASE_URL = "https://api.mch.weixin.qq.com"
SANDBOX_PATH = "/sandbox-wechatpay"
CALLBACK_PATH = "/api/payments/callbacks/"
AUTH_SCHEMA = "WECHATPAY2-SHA256-RSA2048"
TIMEOUT_S = 10
CHINA = ZoneInfo("Asia/Shanghai")
# trade_state -> ChargeState.status (查询订单)
STATES = {
    "SUCCESS": "paid",
    "REFUND": "paid",  # paid, then (part) refunded
    "NOTPAY": "pending",
    "USERPAYING": "pending",
    "CLOSED": "closed",
    "REVOKED": "closed",
    "PAYERROR": "closed",
}
REFUND_STATES = {
    "SUCCESS": "succeeded",
    "PROCESSING": "pending",
    "CLOSED": "failed",
    "ABNORMAL": "failed",
}
# micropay err_code meaning "not known yet: ask again" (the rest are refusals)
CODE_PENDING = {"USERPAYING", "SYSTEMERROR", "BANKERROR"}


class Unreachable(DomainError):
    """WeChat Pay could not be asked, or its answer was not provably its own."""

    status = 503
    code = "provider_unavailable"
    default_message = gettext_lazy("微信支付暂时无法连接，请稍后再试。")


class MalformedCallback(ValidationFailed):
    status = 400
    code = "callback_malformed"


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


@cache
def _private_key(path: str):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


@cache
def _platform_keys(paths: tuple[str, ...]) -> dict[str, RSAPublicKey]:
    """Platform certificates' RSA keys by serial number (WeChat names the one it signed
    with)."""
    keys = {}
    for path in paths:
        with open(path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        key = cert.public_key()
        if not isinstance(key, RSAPublicKey):
            raise ValueError(f"{path}: a WeChat Pay platform certificate holds an RSA key")
        keys[format(cert.serial_number, "X")] = key
    return keys


def _china(at: datetime) -> str:
    return at.astimezone(CHINA).isoformat(timespec="seconds")


class WeChatPay(PaymentProvider):
    name = "wechatpay"
    label = gettext_lazy("微信支付")
    capabilities = frozenset(
        {
            Capability.REDIRECT,
            Capability.QR,
            Capability.JSAPI,
            Capability.PAYMENT_CODE,
            Capability.REFUND,
            Capability.PARTIAL_REFUND,
            Capability.QUERY,
            Capability.CLOSE,
        }
    )

    @property
    def limit(self) -> Decimal:  # type: ignore[override]
        return Decimal(settings.OMNI_WECHATPAY_LIMIT)

    # -- configuration --------------------------------------------------------------------

    def available(self) -> bool:
        """Configured from the environment, or the sandbox's generated credentials while
        the sandbox is switched on."""
        configured = all(
            (
                settings.OMNI_WECHATPAY_MCHID,
                settings.OMNI_WECHATPAY_APPID,
                len(settings.OMNI_WECHATPAY_API_V3_KEY.encode()) == 32,
                settings.OMNI_WECHATPAY_PRIVATE_KEY_PATH,
                settings.OMNI_WECHATPAY_CERT_SERIAL,
                settings.OMNI_WECHATPAY_PLATFORM_CERTS,
            )
        )
        return configured and (
            not settings.OMNI_WECHATPAY_SANDBOXED or settings.OMNI_SANDBOX_WECHATPAY
        )

    def base_url(self) -> str:
        if settings.OMNI_WECHATPAY_BASE_URL:
            return settings.OMNI_WECHATPAY_BASE_URL
        if settings.OMNI_WECHATPAY_SANDBOXED:
            return settings.OMNI_PUBLIC_BASE_URL.rstrip("/") + SANDBOX_PATH
        return REAL_BASE_URL

    def notify_url(self) -> str:
        return settings.OMNI_PUBLIC_BASE_URL.rstrip("/") + CALLBACK_PATH + self.name

    # -- APIv3 transport ------------------------------------------------------------------

    def authorization(self, method: str, url: str, body: bytes) -> str:
        """WECHATPAY2-SHA256-RSA2048 over method, the URL's path and query, a timestamp, a
        nonce and the body, signed with the merchant's API private key."""
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
        message = f"{method}\n{path}\n{timestamp}\n{nonce}\n".encode() + body + b"\n"
        key = _private_key(settings.OMNI_WECHATPAY_PRIVATE_KEY_PATH)
        signature = base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256()))
        return (
            f'{AUTH_SCHEMA} mchid="{settings.OMNI_WECHATPAY_MCHID}",nonce_str="{nonce}",'
            f'signature="{signature.decode()}",timestamp="{timestamp}",'
            f'serial_no="{settings.OMNI_WECHATPAY_CERT_SERIAL}"'
        )

    def verify_signature(self, *, headers: Mapping[str, str], body: bytes) -> int:
        """The platform certificate's signature over `timestamp\\nnonce\\nbody\\n`; returns
        the timestamp. Raises InvalidSignature for anything not provably WeChat's."""
        h = _headers(headers)
        timestamp = h.get("wechatpay-timestamp", "")
        key = _platform_keys(tuple(settings.OMNI_WECHATPAY_PLATFORM_CERTS)).get(
            h.get("wechatpay-serial", "")
        )
        if key is None or not timestamp.isdigit():
            raise InvalidSignature("unknown platform certificate or no timestamp")
        message = f"{timestamp}\n{h.get('wechatpay-nonce', '')}\n".encode() + body + b"\n"
        try:
            signature = base64.b64decode(h.get("wechatpay-signature", ""), validate=True)
        except ValueError as exc:
            raise InvalidSignature("signature is not base64") from exc
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        return int(timestamp)

    def call(self, method: str, path: str, payload: dict | None = None) -> tuple[int, dict]:
        """One signed APIv3 request; the answer (status, JSON) once its signature is the
        platform's. ProviderUnavailable when WeChat cannot be asked or the answer is not
        provably its own: nothing is known then."""
        url = self.base_url() + path
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        request = urllib.request.Request(
            url,
            data=body if method == "POST" else None,
            method=method,
            headers={
                "Authorization": self.authorization(method, url, body),
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": "omniretail-wechatpay/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                status, headers, answer = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:  # WeChat's errors are 4xx/5xx with JSON
            status, headers, answer = exc.code, exc.headers, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            raise ProviderUnavailable(f"wechatpay {method} {path} failed: {exc}") from exc
        try:
            self.verify_signature(headers=headers, body=answer)
        except InvalidSignature as exc:
            raise ProviderUnavailable(f"wechatpay answer to {path} is not signed") from exc
        try:
            return status, json.loads(answer) if answer else {}
        except ValueError as exc:
            raise ProviderUnavailable(f"wechatpay answer to {path} is not JSON") from exc

    def _refused(self, data: dict) -> Conflict:
        return Conflict(
            _("微信支付拒绝了请求：%(message)s") % {"message": data.get("message", "")},
            code="provider_refused",
            details={"provider_code": data.get("code", "")},
        )

    # -- paying ---------------------------------------------------------------------------

    def start_qr(self, intent) -> Started:
        return self.start(intent, trade_type="NATIVE")

    def start(
        self, intent, *, return_url: str = "", trade_type: str = "H5", openid: str = ""
    ) -> Started:
        """下单: H5 (the payer is sent to WeChat's cashier, then back to `return_url`),
        NATIVE (a code_url QR to show) or JSAPI (signed parameters for WeixinJSBridge, for
        the payer `openid`). Our intent id is the out_trade_no, so asking twice is one order."""
        order = {
            "appid": settings.OMNI_WECHATPAY_APPID,
            "mchid": settings.OMNI_WECHATPAY_MCHID,
            "description": f"{intent.purpose}:{intent.reference}"[:127],
            "out_trade_no": intent.public_id,
            "notify_url": self.notify_url(),
            "amount": {"total": yuan_to_fen(intent.amount), "currency": "CNY"},
        }
        if intent.expires_at:
            order["time_expire"] = _china(intent.expires_at)
        if trade_type == "H5":
            order["scene_info"] = {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}}
        elif trade_type == "JSAPI":
            order["payer"] = {"openid": openid}
        elif trade_type != "NATIVE":
            raise ValueError(f"unknown WeChat Pay trade type {trade_type!r}")
        try:
            status, data = self.call("POST", f"/v3/pay/transactions/{trade_type.lower()}", order)
        except ProviderUnavailable as exc:
            raise Unreachable() from exc
        if status != 200:
            raise self._refused(data)
        if trade_type == "H5":
            url = data["h5_url"]
            if return_url:
                base = settings.OMNI_PUBLIC_BASE_URL.rstrip("/")
                url += "&redirect_url=" + quote(base + return_url, safe="")
            return Started(
                next_action="redirect", redirect_url=url, provider_reference=intent.public_id
            )
        if trade_type == "NATIVE":
            return Started(
                next_action="show_qr", qr_code=data["code_url"], provider_reference=intent.public_id
            )
        return Started(
            next_action="jsapi",
            jsapi=self.jsapi_params(data["prepay_id"]),
            provider_reference=intent.public_id,
        )

    def jsapi_params(self, prepay_id: str) -> dict[str, str]:
        """What WeixinJSBridge 'getBrandWCPayRequest' takes, paySign over appId, timeStamp,
        nonceStr and package, each followed by a newline (RSA-SHA256, the merchant's key)."""
        params = {
            "appId": settings.OMNI_WECHATPAY_APPID,
            "timeStamp": str(int(time.time())),
            "nonceStr": secrets.token_hex(16),
            "package": f"prepay_id={prepay_id}",
            "signType": "RSA",
        }
        message = "".join(
            f"{params[k]}\n" for k in ("appId", "timeStamp", "nonceStr", "package")
        ).encode()
        key = _private_key(settings.OMNI_WECHATPAY_PRIVATE_KEY_PATH)
        params["paySign"] = base64.b64encode(
            key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        ).decode()
        return params

    def query(self, intent) -> ChargeState:
        """查询订单 by out_trade_no. A payment code still waiting for the payer's password
        after OMNI_WECHATPAY_CODE_TIMEOUT_S is reversed, and so closed."""
        status, data = self.call(
            "GET",
            f"/v3/pay/transactions/out-trade-no/{intent.public_id}"
            f"?mchid={settings.OMNI_WECHATPAY_MCHID}",
        )
        if status == 404 and data.get("code") == "ORDER_NOT_EXIST":
            return ChargeState("closed", intent.amount, intent.public_id, data)
        if status != 200:
            raise ProviderUnavailable(f"wechatpay query answered {status}: {data}")
        try:
            state = STATES[data["trade_state"]]
            amount = fen_to_yuan(data["amount"]["total"])
            if data["out_trade_no"] != intent.public_id:
                raise ValueError("another order's answer")
        except (KeyError, TypeError, ValueError) as exc:
            raise ProviderUnavailable("wechatpay query answer is malformed") from exc
        waited = timezone.now() - intent.updated_at
        if (
            data["trade_state"] == "USERPAYING"
            and data.get("trade_type") == "MICROPAY"
            and waited > timedelta(seconds=settings.OMNI_WECHATPAY_CODE_TIMEOUT_S)
        ):
            self.reverse(intent)
            return ChargeState("closed", amount, intent.public_id, {**data, "reason": "reversed"})
        return ChargeState(state, amount, intent.public_id, data)

    def cancel(self, intent) -> None:
        """关闭订单; refused (Conflict) when the payer has paid."""
        if not intent.provider_reference:
            return
        try:
            status, data = self.call(
                "POST",
                f"/v3/pay/transactions/out-trade-no/{intent.public_id}/close",
                {"mchid": settings.OMNI_WECHATPAY_MCHID},
            )
        except ProviderUnavailable as exc:
            raise Unreachable() from exc
        if status == 400 and data.get("code") == "ORDERPAID":
            raise Conflict(_("付款人已在微信支付完成支付，无法取消。"), code="already_paid")
        if status not in (200, 204) and data.get("code") != "ORDER_NOT_EXIST":
            raise self._refused(data)

    # -- refunds --------------------------------------------------------------------------

    def refund(self, refund) -> RefundAnswer:
        """申请退款, whole or part. WeChat settles refunds asynchronously: PROCESSING is
        pending until REFUND.SUCCESS is notified (or `refund_state` says so). An answer lost
        on the way is pending too: the same out_refund_no asked again is the same refund."""
        intent = refund.intent
        payload = {
            "out_trade_no": intent.public_id,
            "out_refund_no": refund.public_id,
            "notify_url": self.notify_url(),
            "amount": {
                "refund": yuan_to_fen(refund.amount),
                "total": yuan_to_fen(intent.amount),
                "currency": "CNY",
            },
        }
        if refund.reason:
            payload["reason"] = refund.reason[:80]
        try:
            status, data = self.call("POST", "/v3/refund/domestic/refunds", payload)
        except ProviderUnavailable:
            return RefundAnswer("", settled=False)
        if status != 200 or data.get("status") in ("CLOSED", "ABNORMAL"):
            raise self._refused(data)
        return RefundAnswer(str(data.get("refund_id", "")), settled=data.get("status") == "SUCCESS")

    def refund_state(self, refund) -> str:
        status, data = self.call("GET", f"/v3/refund/domestic/refunds/{refund.public_id}")
        if status == 404:
            return "failed"
        if status != 200 or data.get("status") not in REFUND_STATES:
            raise ProviderUnavailable(f"wechatpay refund query answered {status}: {data}")
        return REFUND_STATES[data["status"]]

    # -- notifications --------------------------------------------------------------------

    def verify_callback(self, *, body: bytes, headers: Mapping[str, str]) -> CallbackEvent:
        """The platform certificate's signature, then freshness, then the AES-256-GCM
        resource decrypted with the APIv3 key, for this merchant."""
        try:
            timestamp = self.verify_signature(headers=headers, body=body)
        except InvalidSignature as exc:
            raise CallbackRejected(_("回调签名无效。"), code="callback_bad_signature") from exc
        if abs(time.time() - timestamp) > settings.OMNI_PAYMENT_CALLBACK_TOLERANCE_S:
            raise StaleCallback(_("回调时间戳已过期。"))
        try:
            data = json.loads(body)
            resource = self.decrypt(data["resource"])
            if resource["mchid"] != settings.OMNI_WECHATPAY_MCHID:
                raise ValueError("another merchant's notification")
            event_type = data["event_type"]
            if event_type == "TRANSACTION.SUCCESS":
                if resource["trade_state"] != "SUCCESS":
                    raise ValueError("a success notice without trade_state SUCCESS")
                kind, amount, refund_id = (
                    "charge.succeeded",
                    fen_to_yuan(resource["amount"]["total"]),
                    "",
                )
            elif event_type.startswith("REFUND."):
                kind = "refund.succeeded" if event_type == "REFUND.SUCCESS" else "refund.failed"
                amount = fen_to_yuan(resource["amount"]["refund"])
                refund_id = str(resource["out_refund_no"])
            else:
                kind, amount, refund_id = event_type.lower(), Decimal(0), ""
            return CallbackEvent(
                event_id=str(data["id"]),
                type=kind,
                intent_id=str(resource["out_trade_no"]),
                charge_id=str(resource["out_trade_no"]),
                amount=amount,
                refund_id=refund_id,
                raw={**data, "resource": resource},
            )
        except (ValueError, KeyError, TypeError, InvalidOperation, InvalidTag) as exc:
            raise MalformedCallback(_("回调内容格式错误。")) from exc

    def decrypt(self, resource: dict) -> dict:
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise ValueError("unknown algorithm")
        plaintext = AESGCM(settings.OMNI_WECHATPAY_API_V3_KEY.encode()).decrypt(
            resource["nonce"].encode(),
            base64.b64decode(resource["ciphertext"]),
            (resource.get("associated_data") or "").encode(),
        )
        return json.loads(plaintext)

    def acknowledge(self, *, accepted: bool, message: str = "") -> tuple[int, str, bytes]:
        """204 with no body when accepted; otherwise a 4xx with {"code": "FAIL"} so that
        WeChat sends the notification again."""
        if accepted:
            return 204, "application/json", b""
        body = json.dumps({"code": "FAIL", "message": message or "失败"}, ensure_ascii=False)
        return 400, "application/json", body.encode()

    # -- the daily trade bill -------------------------------------------------------------

    def statement(self, day: date) -> Iterable[StatementLine]:
        """申请交易账单 (ALL) for `day`, downloaded, checked against its SHA1 and parsed."""
        status, data = self.call(
            "GET", f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL"
        )
        if status == 400 and data.get("code") == "NO_STATEMENT_EXIST":
            return []
        if status != 200 or "download_url" not in data:
            raise ProviderUnavailable(f"wechatpay tradebill answered {status}: {data}")
        url = data["download_url"]
        request = urllib.request.Request(
            url, headers={"Authorization": self.authorization("GET", url, b"")}
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                content = response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise ProviderUnavailable(f"wechatpay bill download failed: {exc}") from exc
        if not hmac.compare_digest(hashlib.sha1(content).hexdigest(), data.get("hash_value", "")):
            raise ProviderUnavailable("wechatpay bill does not match its hash")
        return parse_trade_bill(content.decode("utf-8-sig"))

    # -- payment codes (APIv2) ------------------------------------------------------------

    def collect(self, intent, *, auth_code: str) -> ChargeState:
        """付款码支付 (/pay/micropay): paid, pending while the payer types the password
        (USERPAYING; `query` until final) or refused. An answer lost on the way is pending:
        the query finds out."""
        try:
            answer = self.v2_call(
                "/pay/micropay",
                {
                    "body": f"{intent.purpose}:{intent.reference}"[:128],
                    "out_trade_no": intent.public_id,
                    "total_fee": str(yuan_to_fen(intent.amount)),
                    "fee_type": "CNY",
                    "spbill_create_ip": "127.0.0.1",
                    "auth_code": auth_code,
                },
            )
        except ProviderUnavailable as exc:
            return ChargeState("pending", intent.amount, intent.public_id, {"error": str(exc)})
        if answer.get("return_code") != "SUCCESS":
            reason = answer.get("return_msg", "")
            return ChargeState(
                "closed", intent.amount, intent.public_id, {**answer, "reason": reason}
            )
        if answer.get("result_code") == "SUCCESS":
            if (
                answer.get("total_fee") != str(yuan_to_fen(intent.amount))
                or answer.get("out_trade_no") != intent.public_id
            ):
                return ChargeState("pending", intent.amount, intent.public_id, answer)
            return ChargeState("paid", intent.amount, intent.public_id, answer)
        if answer.get("err_code") in CODE_PENDING:
            return ChargeState("pending", intent.amount, intent.public_id, answer)
        reason = answer.get("err_code_des") or answer.get("err_code", "")
        return ChargeState("closed", intent.amount, intent.public_id, {**answer, "reason": reason})

    def reverse(self, intent) -> None:
        """撤销订单 (/secapi/pay/reverse, with the merchant's API certificate)."""
        self.v2_call("/secapi/pay/reverse", {"out_trade_no": intent.public_id}, client_cert=True)

    def v2_call(self, path: str, params: dict[str, str], *, client_cert: bool = False) -> dict:
        """An APIv2 XML request signed HMAC-SHA256 with the APIv2 key; the answer's own
        signature is checked before anything in it is believed."""
        params = {
            "appid": settings.OMNI_WECHATPAY_APPID,
            "mch_id": settings.OMNI_WECHATPAY_MCHID,
            "nonce_str": secrets.token_hex(16),
            "sign_type": "HMAC-SHA256",
            **params,
        }
        params["sign"] = v2_sign(params, settings.OMNI_WECHATPAY_API_V2_KEY)
        body = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in params.items())
        context = None
        if client_cert and settings.OMNI_WECHATPAY_CLIENT_CERT_PATH:
            context = ssl.create_default_context()
            context.load_cert_chain(
                settings.OMNI_WECHATPAY_CLIENT_CERT_PATH, settings.OMNI_WECHATPAY_PRIVATE_KEY_PATH
            )
        request = urllib.request.Request(
            self.base_url() + path,
            data=f"<xml>{body}</xml>".encode(),
            method="POST",
            headers={"Content-Type": "text/xml"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S, context=context) as response:
                answer = {c.tag: c.text or "" for c in ElementTree.fromstring(response.read())}
        except (urllib.error.URLError, OSError, ElementTree.ParseError) as exc:
            raise ProviderUnavailable(f"wechatpay {path} failed: {exc}") from exc
        if answer.get("return_code") == "SUCCESS" and not hmac.compare_digest(
            v2_sign(answer, settings.OMNI_WECHATPAY_API_V2_KEY), answer.get("sign", "")
        ):
            raise ProviderUnavailable(f"wechatpay {path} answer is not signed")
        return answer


def v2_sign(params: dict[str, str], key: str) -> str:
    """APIv2 HMAC-SHA256: non-empty parameters except sign, sorted by name, as k=v joined
    by &, then &key=<APIv2 key>; upper-case hex."""
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k])
    text += f"&key={key}"
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def parse_trade_bill(text: str) -> list[StatementLine]:
    """WeChat's trade bill CSV: a header, one line per payment (交易状态 SUCCESS) or refund
    (REFUND), every field prefixed with a backtick, then a summary header and its totals,
    whose count must match the lines read."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines or not lines[0].startswith("交易时间"):
        raise ProviderUnavailable("wechatpay bill has no header")
    header = lines[0].split(",")
    column = {name: i for i, name in enumerate(header)}
    out: list[StatementLine] = []
    for i, line in enumerate(lines[1:], start=1):
        if line.startswith("总交易单数"):
            totals = _fields(lines[i + 1]) if i + 1 < len(lines) else []
            if not totals or not totals[0].isdigit() or int(totals[0]) != i - 1:
                raise ProviderUnavailable("wechatpay bill's summary does not match its lines")
            return out
        fields = _fields(line)
        if len(fields) != len(header):
            raise ProviderUnavailable(f"wechatpay bill line {i} has {len(fields)} fields")
        at = datetime.strptime(fields[column["交易时间"]], "%Y-%m-%d %H:%M:%S").replace(
            tzinfo=CHINA
        )
        state = fields[column["交易状态"]]
        try:
            if state == "REFUND":
                out.append(
                    StatementLine(
                        intent_id=fields[column["商户订单号"]],
                        provider_reference=fields[column["微信退款单号"]],
                        amount=Decimal(fields[column["申请退款金额"]]),
                        at=at,
                        refund_id=fields[column["商户退款单号"]],
                    )
                )
            elif state == "SUCCESS":
                out.append(
                    StatementLine(
                        intent_id=fields[column["商户订单号"]],
                        provider_reference=fields[column["微信订单号"]],
                        amount=Decimal(fields[column["订单金额"]]),
                        at=at,
                    )
                )
        except InvalidOperation as exc:
            raise ProviderUnavailable(f"wechatpay bill line {i} has a bad amount") from exc
    raise ProviderUnavailable("wechatpay bill has no summary")


def _fields(line: str) -> list[str]:
    """Fields start with a backtick (so spreadsheets keep long numbers as text); splitting
    on ',`' keeps a comma inside a product name."""
    return line[1:].split(",`") if line.startswith("`") else line.split(",")
