"""What every payment provider offers the payment services. A provider moves or records the
money; the services own the intent's status and the events."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from omniretail.core.errors import DomainError


class CallbackRejected(DomainError):
    """A callback that is not provably from the gateway, or too old to trust."""

    status = 401
    code = "callback_rejected"
    default_message = _("回调签名无效或已过期。")


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


@dataclass(frozen=True)
class Started:
    """How the payer continues: `redirect` to a URL, `none` (already paid) or `pay_at_store`."""

    next_action: str
    paid: bool = False
    redirect_url: str = ""
    provider_reference: str = ""


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
    name: str = ""

    def start(self, intent, *, return_url: str = "") -> Started:
        raise NotImplementedError

    def refund(self, refund) -> str:
        """Give `refund.amount` back the way it came; return the provider's reference."""
        raise NotImplementedError

    def cancel(self, intent) -> None:
        """Withdraw an unpaid intent at the provider; refuse (Conflict) if it was paid."""

    def query(self, intent) -> ChargeState:
        """Ask the provider what became of the intent's payment (a lost callback is
        recovered this way); raise ProviderUnavailable when it cannot be asked."""
        raise QueryNotSupported(self.name)

    def verify_callback(self, *, body: bytes, headers: Mapping[str, str]) -> CallbackEvent:
        raise CallbackRejected()
