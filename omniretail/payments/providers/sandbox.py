"""The platform's side of the sandbox gateway: creates charges, sends the payer to the
gateway's checkout page, asks for refunds and verifies the gateway's signed callbacks."""

import csv
import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.core.signing import sign_timestamped, signed_payload, verify, verify_timestamped
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
from omniretail.payments.sandbox_gateway import gateway

CALLBACK_PATH = "/api/payments/callbacks/sandbox"
QUERY_TIMEOUT_S = 10
CHARGE_STATES = {"paid": "paid", "pending": "pending", "cancelled": "closed"}


class MalformedCallback(ValidationFailed):
    status = 400
    code = "callback_malformed"


class SandboxGateway(PaymentProvider):
    name = "sandbox_gateway"
    label = gettext_lazy("在线支付（沙箱网关）")
    capabilities = frozenset(
        {
            Capability.REDIRECT,
            Capability.REFUND,
            Capability.PARTIAL_REFUND,
            Capability.QUERY,
            Capability.CLOSE,
        }
    )

    def available(self) -> bool:
        """The sandbox pays anything: only where it is switched on (`OMNI_SANDBOX_GATEWAY`)."""
        return settings.OMNI_SANDBOX_GATEWAY

    def start(self, intent, *, return_url: str = "") -> Started:
        base = settings.OMNI_PUBLIC_BASE_URL.rstrip("/")
        charge_id = intent.provider_reference
        if not charge_id:
            charge_id = gateway.create_charge(
                merchant_reference=intent.public_id,
                amount=intent.amount,
                notify_url=base + CALLBACK_PATH,
                return_url=return_url,
                description=f"{intent.purpose}:{intent.reference}",
            ).public_id
        url = base + reverse("sandbox_gateway:checkout", args=[charge_id])
        return Started(next_action="redirect", redirect_url=url, provider_reference=charge_id)

    def refund(self, refund) -> RefundAnswer:
        answer = gateway.refund(
            charge_id=refund.intent.provider_reference,
            amount=refund.amount,
            merchant_refund_reference=refund.public_id,
        )
        if answer.get("status") != "succeeded":
            raise Conflict(_("支付网关拒绝了退款。"), code="refund_refused")
        return RefundAnswer(answer["refund_id"])

    def cancel(self, intent) -> None:
        if intent.provider_reference and not gateway.close(charge_id=intent.provider_reference):
            raise Conflict(_("付款人已在网关完成支付，无法取消。"), code="already_paid")

    def query(self, intent) -> ChargeState:
        """The gateway's signed query API over HTTP, by charge id (or by our intent id when
        no charge is known); an answer that is not provably the gateway's is no answer."""
        lookup = (
            {"charge_id": intent.provider_reference}
            if intent.provider_reference
            else {"out_trade_no": intent.public_id}
        )
        answer = _signed_call("sandbox_gateway:query", lookup)
        try:
            data = json.loads(answer)
            return ChargeState(
                status=CHARGE_STATES[data["status"]],
                amount=Decimal(str(data["amount"])),
                provider_reference=str(data["charge_id"]),
                raw=data,
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise ProviderUnavailable("sandbox gateway query answer is malformed") from exc

    def statement(self, day: date) -> list[StatementLine]:
        """The gateway's CSV statement of `day`, downloaded through its signed bill API."""
        answer = _signed_call("sandbox_gateway:bills", {"date": day.isoformat()})
        try:
            rows = list(csv.DictReader(io.StringIO(answer.decode("utf-8"))))
            return [
                StatementLine(
                    intent_id=row["商户单号"],
                    provider_reference=row["交易号"],
                    amount=Decimal(row["金额"]),
                    at=datetime.fromisoformat(row["交易时间"]),
                    refund_id=row["商户退款单号"] if row["类型"] == "退款" else "",
                )
                for row in rows
            ]
        except (ValueError, KeyError, UnicodeDecodeError, InvalidOperation) as exc:
            raise ProviderUnavailable("sandbox gateway statement is malformed") from exc

    def verify_callback(self, *, body: bytes, headers: Mapping[str, str]) -> CallbackEvent:
        """Genuine signature over `timestamp.body`, then freshness, then shape."""
        timestamp = headers.get(gateway.TIMESTAMP_HEADER, "")
        signature = headers.get(gateway.SIGNATURE_HEADER, "")
        if not timestamp.isdigit() or not verify(
            settings.OMNI_SANDBOX_GATEWAY_SECRET, signed_payload(int(timestamp), body), signature
        ):
            raise CallbackRejected(_("回调签名无效。"), code="callback_bad_signature")
        if abs(time.time() - int(timestamp)) > settings.OMNI_PAYMENT_CALLBACK_TOLERANCE_S:
            raise StaleCallback(_("回调时间戳已过期。"))
        try:
            data = json.loads(body)
            return CallbackEvent(
                event_id=str(data["id"]),
                type=str(data["type"]),
                intent_id=str(data["merchant_reference"]),
                charge_id=str(data["charge_id"]),
                amount=Decimal(str(data["amount"])),
                refund_id=str(data.get("merchant_refund_reference", "")),
                reason=str(data.get("reason", "")),
                raw=data,
            )
        except (ValueError, KeyError, TypeError, InvalidOperation) as exc:
            raise MalformedCallback(_("回调内容格式错误。")) from exc


def _signed_call(route: str, payload: dict) -> bytes:
    """POST `payload` to one of the gateway's server APIs, signed with the shared secret,
    and return its answer once its own signature is proven."""
    body = json.dumps(payload).encode()
    secret = settings.OMNI_SANDBOX_GATEWAY_SECRET
    timestamp, signature = sign_timestamped(secret, body)
    request = urllib.request.Request(
        settings.OMNI_PUBLIC_BASE_URL.rstrip("/") + reverse(route),
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            gateway.TIMESTAMP_HEADER: str(timestamp),
            gateway.SIGNATURE_HEADER: signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=QUERY_TIMEOUT_S) as response:
            answer_ts = response.headers.get(gateway.TIMESTAMP_HEADER, "")
            answer_sig = response.headers.get(gateway.SIGNATURE_HEADER, "")
            answer = response.read()
    except (urllib.error.URLError, OSError) as exc:  # HTTPError included
        raise ProviderUnavailable(f"sandbox gateway {route} failed: {exc}") from exc
    if not verify_timestamped(secret, answer, answer_ts, answer_sig):
        raise ProviderUnavailable(f"sandbox gateway {route} answer is not signed")
    return answer
