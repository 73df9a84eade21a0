"""Paying on credit (信用支付): from the payer's credit line, a ledger posting keyed on the
intent, refused by the ledger's own UPDATE beyond the credit available. Offered only to a
payer with a usable line (`check_payer`). An intent paid through an instalment plan is
paid when the plan says so (payments.instalments)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.core.errors import Conflict
from omniretail.ledger.models import Posting
from omniretail.ledger.units import fen_to_yuan
from omniretail.payments import credit, instalments
from omniretail.payments.models import InstalmentPlan
from omniretail.payments.providers.base import (
    Capability,
    ChargeState,
    PaymentProvider,
    RefundAnswer,
    Started,
)


def _plan(intent) -> InstalmentPlan | None:
    return (
        InstalmentPlan.objects.filter(intent_id=intent.public_id)
        .exclude(status=InstalmentPlan.Status.CANCELLED)
        .first()
    )


class Credit(PaymentProvider):
    name = credit.PROVIDER
    label = gettext_lazy("信用支付")
    capabilities = frozenset(
        {Capability.INSTANT, Capability.REFUND, Capability.PARTIAL_REFUND, Capability.QUERY}
    )

    def check_payer(self, payer, amount=None, *, funds=None) -> None:
        credit.check_payer(payer, amount, funds=funds)

    def start(self, intent, *, return_url: str = "") -> Started:
        plan = _plan(intent)
        if plan is not None and plan.status != InstalmentPlan.Status.PENDING:
            raise Conflict(_("该订单已分期付款，请按分期计划还款。"), code="intent_not_payable")
        instalments.drop_pending(intent)  # paying in full instead of the chosen plan
        posting = credit.spend(intent)
        return Started(next_action="none", paid=True, provider_reference=posting.public_id)

    def query(self, intent) -> ChargeState:
        """Answered from the ledger, or for a plan's order from the plan."""
        if (plan := _plan(intent)) is not None:
            done = plan.status == InstalmentPlan.Status.COMPLETED
            return ChargeState(
                status="paid" if done else "pending",
                amount=intent.amount,
                provider_reference=intent.provider_reference,
            )
        posting = Posting.objects.filter(idempotency_key=f"payment:{intent.public_id}").first()
        if posting is None:
            return ChargeState(status="pending", amount=intent.amount, provider_reference="")
        return ChargeState(
            status="paid", amount=fen_to_yuan(posting.amount), provider_reference=posting.public_id
        )

    def cancel(self, intent) -> None:
        plan = _plan(intent)
        if plan is not None and plan.status != InstalmentPlan.Status.PENDING:
            raise Conflict(_("该订单正在分期付款，不能取消。"), code="intent_not_cancellable")
        instalments.drop_pending(intent)

    def refund(self, refund) -> RefundAnswer:
        return RefundAnswer(instalments.refund_payment(refund).public_id)
