"""Paying from the shopper's stored CNY balance: a ledger posting from their wallet to the
platform's payments clearing account, keyed on the intent so it can never happen twice."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.core.errors import ValidationFailed
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Posting
from omniretail.ledger.units import fen_to_yuan, yuan_to_fen
from omniretail.payments.providers.base import (
    Capability,
    ChargeState,
    PaymentProvider,
    RefundAnswer,
    Started,
)

CLEARING = "payments"


def clearing_account():
    return ledger.system_account(asset_code=ledger.CNY, name=CLEARING)


class StoredBalance(PaymentProvider):
    name = "balance"
    label = gettext_lazy("账户余额")
    capabilities = frozenset(
        {Capability.INSTANT, Capability.REFUND, Capability.PARTIAL_REFUND, Capability.QUERY}
    )

    def start(self, intent, *, return_url: str = "") -> Started:
        if intent.payer is None:
            raise ValidationFailed(_("余额支付需要付款人。"), fields={"payer": _("必填")})
        wallet = ledger.get_or_create_account(asset_code=ledger.CNY, owner=intent.payer)
        posting = ledger.post(
            debit=wallet,
            credit=clearing_account(),
            amount=yuan_to_fen(intent.amount),
            idempotency_key=f"payment:{intent.public_id}",
            kind="payment",
            reference=f"payment:{intent.public_id}",
        )
        return Started(next_action="none", paid=True, provider_reference=posting.public_id)

    def query(self, intent) -> ChargeState:
        """Answered from the ledger: the payment is the posting keyed on the intent."""
        posting = Posting.objects.filter(idempotency_key=f"payment:{intent.public_id}").first()
        if posting is None:
            return ChargeState(status="pending", amount=intent.amount, provider_reference="")
        return ChargeState(
            status="paid", amount=fen_to_yuan(posting.amount), provider_reference=posting.public_id
        )

    def refund(self, refund) -> RefundAnswer:
        wallet = ledger.get_or_create_account(asset_code=ledger.CNY, owner=refund.intent.payer)
        posting = ledger.post(
            debit=clearing_account(),
            credit=wallet,
            amount=yuan_to_fen(refund.amount),
            idempotency_key=f"refund:{refund.public_id}",
            kind="refund",
            reference=f"payment:{refund.intent.public_id}",
        )
        return RefundAnswer(posting.public_id)
