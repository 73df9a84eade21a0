"""Cash handed over at the store: nothing to call, the staff member's record is the proof."""

from omniretail.payments.providers.base import PaymentProvider, Started


class CashAtStore(PaymentProvider):
    name = "cash"

    def start(self, intent, *, return_url: str = "") -> Started:
        return Started(next_action="pay_at_store")

    def refund(self, refund) -> str:
        return f"cash-refund:{refund.public_id}"
