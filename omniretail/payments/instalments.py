"""Instalments (分期) for big tickets: a credit purchase split into 3, 6 or 12 monthly
instalments with a documented fee, offered where the merchant (or, for merchants without
their own terms, the platform) enabled that number of months. The first instalment is paid
at checkout through an online provider; that is when the principal is taken from the credit
line, and, per the merchant's rule, the goods are released then or once all is paid.
docs/payments.md, "Instalments"."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization, User
from omniretail.core.errors import Conflict, DomainError, NotFound, field_error
from omniretail.core.money import ZERO, plus
from omniretail.ledger import services as ledger
from omniretail.ledger.units import yuan_to_fen
from omniretail.payments import credit, services
from omniretail.payments.models import (
    CreditLine,
    CreditRepayment,
    Instalment,
    InstalmentPlan,
    InstalmentTerms,
    PaymentIntent,
)
from omniretail.payments.providers.base import Started

# The whole fee of a plan, as a share of the principal (0.5 % a month for 3 months, 0.6 %
# for 6 and 12), split evenly over the instalments.
FEE_RATES = {3: Decimal("0.0150"), 6: Decimal("0.0360"), 12: Decimal("0.0720")}
MONTHS = tuple(FEE_RATES)
MIN_AMOUNT = Decimal("500.00")
CENT = Decimal("0.01")
Status = InstalmentPlan.Status
LIVE = (Status.PENDING, Status.ACTIVE)


@dataclass(frozen=True)
class Line:
    number: int
    due_on: date
    principal: Decimal
    fee: Decimal

    @property
    def amount(self) -> Decimal:
        return self.principal + self.fee


def terms_for(organization: Organization | None) -> InstalmentTerms | None:
    """The merchant's own terms, else the platform's (the row without a merchant)."""
    if organization is not None:
        own = InstalmentTerms.objects.filter(organization=organization).first()
        if own is not None:
            return own
    return InstalmentTerms.objects.filter(organization__isnull=True).first()


def set_terms(*, organization: Organization | None, months, release: str) -> InstalmentTerms:
    """Enable some of 3/6/12 months (none: instalments off) and the release rule."""
    try:
        chosen = sorted({int(m) for m in months})
    except (TypeError, ValueError):
        raise field_error("months", _("分期期数只能是 3、6 或 12。")) from None
    if any(m not in MONTHS for m in chosen):
        raise field_error("months", _("分期期数只能是 3、6 或 12。"))
    if release not in InstalmentTerms.Release.values:
        raise field_error("release", _("请选择发货规则。"))
    terms, _created = InstalmentTerms.objects.update_or_create(
        organization=organization, defaults={"months": chosen, "release": release}
    )
    return terms


def schedule(amount: Decimal, months: int, *, start: date | None = None) -> list[Line]:
    """The schedule shown before paying: principal and fee split evenly, down to the fen,
    the first instalment taking the odd fen; instalment k is due k-1 months after `start`
    (the first is paid now)."""
    start = start or credit.today()
    fee = (amount * FEE_RATES[months]).quantize(CENT, rounding=ROUND_HALF_UP)
    each = (amount / months).quantize(CENT, rounding=ROUND_DOWN)
    fee_each = (fee / months).quantize(CENT, rounding=ROUND_DOWN)
    return [
        Line(
            number=k,
            due_on=credit.add_months(start, k - 1),
            principal=each if k > 1 else amount - each * (months - 1),
            fee=fee_each if k > 1 else fee - fee_each * (months - 1),
        )
        for k in range(1, months + 1)
    ]


def offers(intent: PaymentIntent) -> list[dict]:
    """What the payer may choose for this intent: each enabled number of months with its
    schedule (empty when the merchant offers none or the amount is too small)."""
    terms = terms_for(intent.payee)
    if terms is None or intent.amount < MIN_AMOUNT:
        return []
    return [
        {
            "months": m,
            "rate": FEE_RATES[m],
            "lines": (lines := schedule(intent.amount, m)),
            "fee": sum((line.fee for line in lines), ZERO),
            "total": intent.amount + sum((line.fee for line in lines), ZERO),
        }
        for m in terms.months
    ]


def intent_for(user: User, intent_id: str) -> PaymentIntent:
    intent = PaymentIntent.objects.filter(public_id=intent_id, payer=user).first()
    if intent is None:
        raise NotFound(_("找不到该支付单。"))
    return intent


def _months(intent: PaymentIntent, months) -> tuple[int, InstalmentTerms]:
    try:
        months = int(months)
    except (TypeError, ValueError):
        raise field_error("months", _("分期期数只能是 3、6 或 12。")) from None
    if months not in MONTHS:
        raise field_error("months", _("分期期数只能是 3、6 或 12。"))
    terms = terms_for(intent.payee)
    if terms is None or months not in terms.months:
        raise field_error("months", _("该商家未开通 %(months)s 期分期。") % {"months": months})
    return months, terms


def drop_pending(intent: PaymentIntent) -> None:
    """Withdraw a plan whose first instalment was never paid (the payer chose again)."""
    for plan in InstalmentPlan.objects.filter(intent_id=intent.public_id, status=Status.PENDING):
        first = plan.payments.order_by("id").first()
        if first is not None:
            services.cancel_intent(intent=PaymentIntent.objects.get(public_id=first.intent_id))
        InstalmentPlan.objects.filter(pk=plan.pk, status=Status.PENDING).update(
            status=Status.CANCELLED, updated_at=timezone.now()
        )


def start_plan(
    *, user: User, intent_id: str, months, provider: str, return_url: str = ""
) -> tuple[InstalmentPlan, Started]:
    """Choose `months` instalments for an unpaid credit purchase and pay the first one
    through `provider`. Refused (422, nothing written): a number of months the merchant
    did not enable, an amount under MIN_AMOUNT, an amount above the credit available."""
    intent = intent_for(user, intent_id)
    if intent.provider != credit.PROVIDER or intent.status != PaymentIntent.Status.REQUIRES_PAYMENT:
        raise Conflict(_("该支付单不能分期。"), code="not_instalable")
    months, terms = _months(intent, months)
    if intent.amount < MIN_AMOUNT:
        raise field_error("amount", _("满 ¥%(min)s 才可分期。") % {"min": MIN_AMOUNT})
    credit.check_payer(user, intent.amount)
    with transaction.atomic():
        drop_pending(intent)
        lines = schedule(intent.amount, months)
        plan = InstalmentPlan.objects.create(
            user=user,
            intent_id=intent.public_id,
            principal=intent.amount,
            months=months,
            fee_rate=FEE_RATES[months],
            fee=sum((line.fee for line in lines), ZERO),
            release=terms.release,
        )
        Instalment.objects.bulk_create(
            Instalment(
                plan=plan, number=x.number, due_on=x.due_on, principal=x.principal, fee=x.fee
            )
            for x in lines
        )
        _repayment, started = credit.open_repayment(
            user=user,
            amount=lines[0].amount,
            provider=provider,
            kind=CreditRepayment.Kind.INSTALMENT,
            plan=plan,
            numbers=[1],
            return_url=return_url,
        )
    return plan, started


def plan_of(user: User, public_id: str) -> InstalmentPlan:
    plan = InstalmentPlan.objects.filter(public_id=public_id, user=user).first()
    if plan is None:
        raise NotFound(_("找不到该分期计划。"))
    return plan


def open_instalments(plan: InstalmentPlan):
    return plan.instalments.filter(paid_at__isnull=True, waived=False).order_by("number")


def early_amount(plan: InstalmentPlan, *, day: date | None = None) -> Decimal:
    """Paying off a plan early: the principal still open, plus the fees of instalments
    already due; the fees of the later ones are waived."""
    day = day or credit.today()
    return sum(
        (i.principal + (i.fee if i.due_on <= day else ZERO) for i in open_instalments(plan)),
        ZERO,
    )


def pay(
    *, user: User, plan_id: str, provider: str, early: bool = False, return_url: str = ""
) -> tuple[CreditRepayment, Started]:
    """Pay the next open instalment (or, `early`, everything left) through a provider."""
    plan = plan_of(user, plan_id)
    if plan.status != Status.ACTIVE:
        raise Conflict(_("该分期计划不在还款中。"), code="plan_not_active")
    left = list(open_instalments(plan))
    if early:
        numbers, amount = [i.number for i in left], early_amount(plan)
    else:
        numbers, amount = [left[0].number], left[0].amount
    return credit.open_repayment(
        user=user,
        amount=amount,
        provider=provider,
        kind=CreditRepayment.Kind.EARLY if early else CreditRepayment.Kind.INSTALMENT,
        plan=plan,
        numbers=numbers,
        return_url=return_url,
    )


def apply_payment(repayment: CreditRepayment) -> None:
    """An instalment payment is paid (inside its credited transaction): the first one
    activates the plan; each instalment's principal goes back to the available credit and
    its fee to the platform's fee income. An instalment paid twice (two payments racing)
    goes to the stored balance; a payment for a plan no longer running is refunded."""
    if repayment.plan_id is None:  # a bill's repayment: not an instalment
        return
    plan = InstalmentPlan.objects.select_for_update().get(pk=repayment.plan_id)
    if plan.status == Status.PENDING and not _activate(plan, repayment):
        return
    if plan.status != Status.ACTIVE:  # withdrawn, or paid off meanwhile: the money goes back
        _refund_whole(repayment, _("分期计划已结束，本次还款全额退回"))
        return
    paid_day = timezone.localdate(repayment.created_at)
    left = repayment.amount
    for row in plan.instalments.filter(number__in=repayment.instalment_numbers).order_by("number"):
        if not row.open:
            continue
        fee = (
            row.fee
            if repayment.kind != CreditRepayment.Kind.EARLY or row.due_on <= paid_day
            else ZERO
        )
        _post_instalment(plan, row, fee=fee, key=repayment.public_id)
        Instalment.objects.filter(pk=row.pk).update(fee=fee, paid_at=timezone.now())
        left -= row.principal + fee
    if left > 0:
        credit.give_back(plan.user, left, key=f"instalment-excess:{repayment.public_id}")
    _complete_if_done(plan)
    credit.cure(CreditLine.objects.get(user_id=plan.user_id))


def _post_instalment(plan: InstalmentPlan, row: Instalment, *, fee: Decimal, key: str) -> None:
    repayments = credit.system_account(credit.REPAYMENTS)
    ledger.post(
        debit=repayments,
        credit=credit.available_account(plan.user),
        amount=yuan_to_fen(row.principal),
        idempotency_key=f"instalment:{plan.public_id}:{row.number}",
        kind="instalment_principal",
        reference=f"instalment:{plan.public_id}",
    )
    if fee:
        ledger.post(
            debit=repayments,
            credit=credit.system_account(credit.FEES),
            amount=yuan_to_fen(fee),
            idempotency_key=f"instalment-fee:{plan.public_id}:{row.number}",
            kind="instalment_fee",
            reference=f"instalment:{plan.public_id}",
        )


def _activate(plan: InstalmentPlan, repayment: CreditRepayment) -> bool:
    """The first instalment is paid: take the principal from the line (the ledger refuses
    more than is available) and release the goods or hold them per the merchant's rule. If
    the order can no longer be paid this way (cancelled meanwhile, the line frozen or used
    up), the plan is cancelled and the first instalment refunded in full."""
    order_intent = PaymentIntent.objects.select_for_update().get(public_id=plan.intent_id)
    try:
        with transaction.atomic():
            if order_intent.status != PaymentIntent.Status.REQUIRES_PAYMENT:
                raise Conflict(_("订单已不可支付。"), code="intent_not_payable")
            credit.spend(
                order_intent, amount=plan.principal, key=f"instalment-spend:{plan.public_id}"
            )
            reference = f"plan:{plan.public_id}"
            if plan.release == InstalmentTerms.Release.FIRST:
                services._succeed(order_intent, provider_reference=reference)
            else:  # held until the last instalment: never expired meanwhile
                PaymentIntent.objects.filter(pk=order_intent.pk).update(
                    status=PaymentIntent.Status.PROCESSING,
                    provider_reference=reference,
                    expires_at=None,
                    updated_at=timezone.now(),
                )
            InstalmentPlan.objects.filter(pk=plan.pk).update(
                status=Status.ACTIVE, updated_at=timezone.now()
            )
    except DomainError as exc:
        InstalmentPlan.objects.filter(pk=plan.pk).update(
            status=Status.CANCELLED, updated_at=timezone.now()
        )
        _refund_whole(repayment, _("分期未能生效，首期全额退回：%(why)s") % {"why": exc.message})
        return False
    plan.status = Status.ACTIVE
    return True


def _refund_whole(repayment: CreditRepayment, reason: str) -> None:
    services.refund(
        intent=PaymentIntent.objects.get(public_id=repayment.intent_id),
        amount=repayment.amount,
        reason=reason,
        idempotency_key=f"instalment-void:{repayment.public_id}",
    )


def _complete_if_done(plan: InstalmentPlan) -> None:
    if open_instalments(plan).exists():
        return
    if not InstalmentPlan.objects.filter(pk=plan.pk, status=Status.ACTIVE).update(
        status=Status.COMPLETED, updated_at=timezone.now()
    ):
        return
    order_intent = PaymentIntent.objects.get(public_id=plan.intent_id)
    if order_intent.status == PaymentIntent.Status.PROCESSING:  # released on full payment
        services._succeed(order_intent)


def reduce_principal(plan: InstalmentPlan, amount: Decimal) -> Decimal:
    """A refund of a plan's order: take it off the open instalments, the last first (an
    instalment left with no principal is waived with its fee); returns the part already
    repaid, which the caller gives to the stored balance. Fees paid are not refunded."""
    left = amount
    for row in open_instalments(plan).order_by("-number").select_for_update():
        if not left:
            break
        part = min(left, row.principal)
        gone = part == row.principal
        Instalment.objects.filter(pk=row.pk).update(
            principal=plus("principal", -part),
            fee=ZERO if gone else row.fee,
            waived=gone,
        )
        left -= part
    InstalmentPlan.objects.filter(pk=plan.pk).update(
        principal_refunded=plus("principal_refunded", amount - left), updated_at=timezone.now()
    )
    _complete_if_done(plan)
    return left


def daily(*, day: date | None = None) -> int:
    """The daily credit job (scheduled hourly; each day is charged once): last month's
    bills issued, then late fees on overdue bills and instalments."""
    day = day or credit.today()
    return credit.charge_late_fees(day=day) + charge_late_fees(day=day)


def repayment_paid(*, repayment_id: str, intent_id: str) -> bool:
    """A bill repayment or an instalment payment is paid: applied once."""
    with transaction.atomic():
        repayment = credit.claim_repayment(repayment_id=repayment_id, intent_id=intent_id)
        if repayment is None:
            return False
        if repayment.kind == CreditRepayment.Kind.BILL:
            credit.apply_repayment(repayment)
        else:
            apply_payment(repayment)
    return True


def refund_payment(refund):
    """A refund of a credit purchase; of a plan's order, taken off the plan."""
    plan = (
        InstalmentPlan.objects.filter(intent_id=refund.intent.public_id)
        .exclude(status=Status.CANCELLED)
        .first()
    )
    if plan is None:
        return credit.refund_payment(refund)
    return credit.refund_payment(refund, reduce=lambda amount: reduce_principal(plan, amount))


def charge_late_fees(*, day: date) -> int:
    """Each day an instalment is unpaid after its due date: the late fee on its amount,
    once per day, and the line frozen until it is paid."""
    charged = 0
    due = Instalment.objects.filter(
        plan__status=Status.ACTIVE, paid_at__isnull=True, waived=False, due_on__lt=day
    ).select_related("plan__user")
    for row in due:
        line = CreditLine.objects.get(user_id=row.plan.user_id)
        credit.mark_overdue(line)
        charged_days = set(row.fees.values_list("day", flat=True))
        fee_day = row.due_on + timedelta(days=1)
        while fee_day <= day:
            if fee_day not in charged_days:
                charged += bool(
                    credit.charge_fee(
                        user=row.plan.user, day=fee_day, overdue=row.amount, instalment=row
                    )
                )
            fee_day += timedelta(days=1)
    return charged


def plans_of(user: User):
    return (
        InstalmentPlan.objects.filter(user=user)
        .exclude(status=Status.CANCELLED)
        .prefetch_related("instalments")
        .order_by("-id")
    )
