"""What every payment provider offers the payment services. A provider moves or records the
money; the services own the intent's status and the events."""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from omniretail.core.errors import DomainError, ValidationFailed


class CallbackRejected(DomainError):
    """A callback that is not provably from the gateway, or too old to trust."""

    status = 401
    code = "callback_rejected"
    default_message = _("回调签名无效或已过期。")


class StaleCallback(CallbackRejected):
    """Provably the provider's, but older than `OMNI_PAYMENT_CALLBACK_TOLERANCE_S`."""

    code = "callback_stale"


class ProviderUnavailable(Exception):
    """The provider could not be asked (network, timeout, a garbled or unsigned answer):
    nothing is known, so nothing may be decided; ask again later."""


class QueryNotSupported(Exception):
    """The provider has nobody to ask (cash: the staff member's record is the proof)."""


@dataclass(frozen=True)
class ChargeState:
    """The provider's own word on an intent's payment, from its query API: `paid`,
    `pending` (still payable) or `closed` (can no longer be paid)."""

    status: str
    amount: Decimal
    provider_reference: str
    raw: dict = field(default_factory=dict)


class Capability(StrEnum):
    """What a provider can do; pages offer a provider only where its capabilities fit."""

    REDIRECT = "redirect"  # an H5 page the payer is sent to (WeChat H5, Alipay WAP)
    JSAPI = "jsapi"  # paid inside the provider's app (WeChat JSAPI)
    QR = "qr"  # a QR code shown to the payer (WeChat Native, Alipay precreate)
    PAYMENT_CODE = "payment_code"  # the payer's 付款码 scanned at a till or counter
    INSTANT = "instant"  # paid at once, nothing to show (stored balance, credit)
    AT_STORE = "at_store"  # handed over in person (cash)
    CARD_PRESENT = "card_present"  # a bank card or NFC phone at a terminal (POS)
    REFUND = "refund"
    PARTIAL_REFUND = "partial_refund"
    QUERY = "query"
    CLOSE = "close"


# A payer can pay with one of these without a clerk; a till adds PAYMENT_CODE and AT_STORE.
ONLINE = frozenset({Capability.REDIRECT, Capability.JSAPI, Capability.QR, Capability.INSTANT})


# How the payer continues: `redirect` to a URL, `show_qr` (scan `qr_code` with the provider's
# app), `jsapi` (call the app's pay API with `jsapi`), `none` (already paid), `pay_at_store`
# or `present_card` (at the card terminal the clerk sent the sale to). A closed set: the API
# documents it as an enum for clients to switch over.
NextAction = Literal["redirect", "show_qr", "jsapi", "none", "pay_at_store", "present_card"]


@dataclass(frozen=True)
class Started:
    """How the payer continues (`NextAction`), and what they need for it."""

    next_action: NextAction
    paid: bool = False
    redirect_url: str = ""
    provider_reference: str = ""
    qr_code: str = ""
    jsapi: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundAnswer:
    """The provider's answer to a refund: its reference, and whether the money is already
    back (`settled`); otherwise the refund stays pending until its notification or a query
    says so (WeChat Pay refunds asynchronously)."""

    provider_reference: str
    settled: bool = True


@dataclass(frozen=True)
class StatementLine:
    """One line of a provider's daily statement (对账单), parsed from its own format:
    a payment (`refund_id` empty) or a refund, with our ids as the provider echoes them."""

    intent_id: str
    provider_reference: str
    amount: Decimal
    at: datetime
    refund_id: str = ""


@dataclass(frozen=True)
class CallbackEvent:
    event_id: str
    type: str
    intent_id: str
    charge_id: str
    amount: Decimal
    refund_id: str = ""
    reason: str = ""
    raw: dict = field(default_factory=dict)


class PaymentProvider:
    """One way to pay. Registered by name from `OMNI_PAYMENT_PROVIDERS`; `capabilities` say
    what pages may offer it for, `limit` is the most one payment may be (None: no limit)."""

    name: str = ""
    label: str | Promise = ""  # shown to payers: gettext_lazy
    capabilities: frozenset[Capability] = frozenset()
    limit: Decimal | None = None

    def available(self) -> bool:
        """Whether it can take payments here (configured, or its sandbox switched on)."""
        return True

    def check_payer(self, payer, amount: Decimal | None = None, *, funds=None) -> None:
        """Refuse (ValidationFailed naming the field) a payer who cannot pay `amount`, or
        anything, this way: credit needs the payer's own usable line. Most accept anyone.
        `funds` (`selectors.funds_of`): what the payer holds, when a page already read it."""

    def available_to(self, payer, *, funds=None) -> bool:
        """Whether a page may offer it to `payer` (None: nobody signed in)."""
        try:
            self.check_payer(payer, funds=funds)
        except ValidationFailed:
            return False
        return True

    def start(self, intent, *, return_url: str = "") -> Started:
        raise NotImplementedError

    def start_qr(self, intent) -> Started:
        """A QR code for the payer to scan with the provider's app (`qr` capability):
        Started(next_action="show_qr", qr_code=...)."""
        raise NotImplementedError

    def collect(self, intent, *, auth_code: str) -> ChargeState:
        """Charge the payer's payment code (付款码) for the intent: `paid`, `pending` (the
        payer must confirm on the phone: ask `query` until final) or `closed` (refused)."""
        raise NotImplementedError

    def refund(self, refund) -> RefundAnswer:
        """Give `refund.amount` back the way it came."""
        raise NotImplementedError

    def cancel(self, intent) -> None:
        """Withdraw an unpaid intent at the provider; refuse (Conflict) if it was paid."""

    def query(self, intent) -> ChargeState:
        """Ask the provider what became of the intent's payment (a lost callback is
        recovered this way); raise ProviderUnavailable when it cannot be asked."""
        raise QueryNotSupported(self.name)

    def refund_state(self, refund) -> str:
        """Ask what became of a pending refund: `succeeded`, `pending` or `failed`."""
        raise QueryNotSupported(self.name)

    def statement(self, day: date) -> Iterable[StatementLine]:
        """The provider's statement of `day` (China time): every payment and refund it
        settled that day, downloaded and parsed; raise ProviderUnavailable when it cannot."""
        raise QueryNotSupported(self.name)

    def verify_callback(self, *, body: bytes, headers: Mapping[str, str]) -> CallbackEvent:
        """The notification's event, once its signature (and freshness) is proven; raise
        CallbackRejected, StaleCallback or ValidationFailed otherwise."""
        raise CallbackRejected()

    def acknowledge(self, *, accepted: bool, message: str = "") -> tuple[int, str, bytes]:
        """The HTTP answer the provider expects to a notification (status, content type,
        body): a refused one must make a real provider send it again."""
        body = json.dumps({"received": accepted, "message": message}, ensure_ascii=False)
        return (200 if accepted else 400), "application/json", body.encode()
