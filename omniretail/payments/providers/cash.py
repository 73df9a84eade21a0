"""Cash handed over at the store: nothing to call, the staff member's record is the proof."""

from django.utils.translation import gettext_lazy as _

from omniretail.payments.providers.base import (
    Capability,
    PaymentProvider,
    RefundAnswer,
    Started,
)


class CashAtStore(PaymentProvider):
    name = "cash"
    label = _("到店现金")
    capabilities = frozenset({Capability.AT_STORE, Capability.REFUND, Capability.PARTIAL_REFUND})

    def start(self, intent, *, return_url: str = "") -> Started:
        return Started(next_action="pay_at_store")

    def refund(self, refund) -> RefundAnswer:
        return RefundAnswer(f"cash-refund:{refund.public_id}")
