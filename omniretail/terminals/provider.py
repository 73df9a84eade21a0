"""The card terminal as a payment provider (a plug-in: payments knows it only by its dotted
path in `payments.providers.BUILT_IN`). The money moves on the terminal; this provider
turns the terminal's reports, kept on its jobs, into what payments asks of a provider."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.core.errors import Conflict
from omniretail.payments.providers.base import (
    Capability,
    ChargeState,
    PaymentProvider,
    RefundAnswer,
    Started,
)
from omniretail.terminals import services
from omniretail.terminals.models import TerminalJob

Job = TerminalJob


class CardTerminal(PaymentProvider):
    name = services.PROVIDER
    label = gettext_lazy("银行卡 / 云闪付（POS 终端）")
    capabilities = frozenset(
        {
            Capability.CARD_PRESENT,
            Capability.REFUND,
            Capability.PARTIAL_REFUND,
            Capability.QUERY,
            Capability.CLOSE,
        }
    )

    def start(self, intent, *, return_url: str = "") -> Started:
        """Started by the till or counter that sends the sale to a terminal (services.
        send_sale), never by the payer alone."""
        job = Job.objects.filter(
            intent_id=intent.public_id, kind=Job.Kind.SALE, status__in=Job.OPEN
        ).first()
        if job is None:
            raise Conflict(_("请在收银台选择收款终端后刷卡。"), code="terminal_required")
        return Started(next_action="present_card", provider_reference=job.public_id)

    def cancel(self, intent) -> None:
        services.cancel_open_sales(intent)

    def refund(self, refund) -> RefundAnswer:
        return RefundAnswer(services.queue_refund(refund).public_id, settled=False)

    def query(self, intent) -> ChargeState:
        """From the job's report: the terminal is not asked, it tells (it has no query API;
        a terminal that lost the answer to its report sends it again)."""
        job = Job.objects.filter(public_id=intent.provider_reference, kind=Job.Kind.SALE).first()
        if job is not None and job.status == Job.Status.APPROVED:
            return ChargeState(
                status="paid",
                amount=job.amount,
                provider_reference=job.public_id,
                raw={"job": job.public_id, "status": job.status},
            )
        if job is not None and job.status == Job.Status.CANCELLED:
            return ChargeState(
                status="closed", amount=intent.amount, provider_reference=job.public_id
            )
        # open or declined: the payer may still pay (another card); expiry closes it
        return ChargeState(status="pending", amount=intent.amount, provider_reference="")
