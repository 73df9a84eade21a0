"""Credit, pay later (信用支付). A member's line is a ledger account of kind `credit` holding
the credit still available: granted from the platform's `system:credit_lines`, spent to the
payments clearing account by the very UPDATE that refuses an overdraft, and given back by
refunds and repayments. What the member owes (the line's limit minus the available credit)
sits on the issued monthly bills, the current period and the instalment plans; late fees
are a second account (`credit_fee`) they owe besides. docs/payments.md, "Credit"."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.accounts.services import normalize_phone
from omniretail.core.errors import Conflict, DomainError, NotFound, field_error
from omniretail.core.money import ZERO, money, parse_money, plus
from omniretail.ledger import selectors as ledger_selectors
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account, Posting
from omniretail.ledger.services import InsufficientFunds
from omniretail.ledger.units import fen_to_yuan, yuan_to_fen
from omniretail.payments import selectors, services
from omniretail.payments.models import (
    CreditBill,
    CreditLine,
    CreditLineEvent,
    CreditRepayment,
    CreditRule,
    Instalment,
    InstalmentPlan,
    LateFee,
    PaymentIntent,
)
from omniretail.payments.providers.balance import clearing_account
from omniretail.payments.providers.base import ONLINE, Capability, Started

PURPOSE = "credit_repayment"
PROVIDER = "credit"
MIN_LIMIT = Decimal("1.00")
MAX_LIMIT = Decimal("50000.00")
# A month's bill is due GRACE_DAYS after the month's last day (the 10th of the next month);
# from the day after, LATE_FEE_RATE of what is still unpaid is charged per day, and the line
# is frozen until nothing is overdue.
GRACE_DAYS = 10
LATE_FEE_RATE = Decimal("0.0005")
CENT = Decimal("0.01")
# Credit cannot repay credit, nor can a balance: repayments come from outside.
REPAY_WITH = ONLINE - {Capability.INSTANT}
LINES_SOURCE = "credit_lines"
REPAYMENTS = "credit_repayment"
FEES = "credit_fees"


# --- accounts -------------------------------------------------------------------------


def available_account(user: User) -> Account:
    return ledger.get_or_create_account(asset_code=ledger.CNY, owner=user, kind=Account.Kind.CREDIT)


def fee_account(user: User) -> Account:
    return ledger.get_or_create_account(
        asset_code=ledger.CNY, owner=user, kind=Account.Kind.CREDIT_FEE
    )


def system_account(name: str) -> Account:
    return ledger.system_account(asset_code=ledger.CNY, name=name, kind=Account.Kind.EXTERNAL)


def _wallet(user: User) -> Account:
    return ledger.get_or_create_account(asset_code=ledger.CNY, owner=user)


def _fen(account: Account) -> int:
    return ledger_selectors.balance(account)


def available(user: User) -> Decimal:
    account = ledger_selectors.account_for_user(user, ledger.CNY, kind=Account.Kind.CREDIT)
    return fen_to_yuan(account.balance) if account else ZERO


def fees_owed(user: User) -> Decimal:
    account = ledger_selectors.account_for_user(user, ledger.CNY, kind=Account.Kind.CREDIT_FEE)
    return fen_to_yuan(account.balance) if account else ZERO


# --- periods --------------------------------------------------------------------------


def month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 29th to 31st become the 28th (every month has it)."""
    years, month = divmod(day.month - 1 + months, 12)
    return date(day.year + years, month + 1, min(day.day, 28))


def today() -> date:
    return timezone.localdate()


# --- lines ----------------------------------------------------------------------------


def line_of(user) -> CreditLine | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return CreditLine.objects.filter(user=user).first()


def _lock(line: CreditLine) -> CreditLine:
    return CreditLine.objects.select_for_update().get(pk=line.pk)


def _limit(value, *, field: str = "limit") -> Decimal:
    amount = parse_money(value, field=field)
    if not MIN_LIMIT <= amount <= MAX_LIMIT:
        raise field_error(
            field,
            _("信用额度须在 ¥%(low)s 到 ¥%(high)s 之间。") % {"low": MIN_LIMIT, "high": MAX_LIMIT},
        )
    return amount


def grant(
    *,
    user: User,
    limit,
    staff: User | None = None,
    rule: CreditRule | None = None,
    note: str = "",
) -> CreditLine:
    """Open a line of `limit` for the member (by a rule, or by finance staff): the whole
    limit becomes available credit. A member has one line: granting again is a Conflict
    (adjust it instead)."""
    limit = _limit(limit)
    with transaction.atomic():
        try:
            with transaction.atomic():
                line = CreditLine.objects.create(
                    user=user,
                    limit=limit,
                    source=CreditLine.Source.RULE if rule else CreditLine.Source.STAFF,
                    rule=rule,
                    period_start=today().replace(day=1),
                )
        except IntegrityError:
            raise Conflict(
                _("该会员已有信用额度，请调整额度。"), code="credit_line_exists"
            ) from None
        event = CreditLineEvent.objects.create(
            line=line, kind=CreditLineEvent.Kind.GRANT, new_limit=limit, note=note[:200], by=staff
        )
        ledger.post(
            debit=system_account(LINES_SOURCE),
            credit=available_account(user),
            amount=yuan_to_fen(limit),
            idempotency_key=f"credit-limit:{event.public_id}",
            kind="credit_grant",
            reference=f"credit:{line.public_id}",
        )
    return line


def grant_by_rule(*, user: User, tier_rank: int, paid_orders: int) -> CreditLine | None:
    """The member's line, granted now by the best active rule they meet if they have none
    (a rule never changes a line that exists: finance staff adjust those)."""
    if line := line_of(user):
        return line
    rule = (
        CreditRule.objects.filter(
            is_active=True, min_tier_rank__lte=tier_rank, min_paid_orders__lte=paid_orders
        )
        .order_by("-limit", "id")
        .first()
    )
    if rule is None:
        return None
    try:
        return grant(user=user, limit=rule.limit, rule=rule, note=_("按授信规则自动授信"))
    except Conflict:  # granted by a concurrent request
        return line_of(user)


def adjust_limit(*, line: CreditLine, limit, staff: User, note: str = "") -> CreditLine:
    """Raise or lower the limit; the difference is added to or taken from the available
    credit in the same UPDATE that refuses to take more than is available (a limit below
    what is owed is refused, nothing changes)."""
    limit = _limit(limit)
    with transaction.atomic():
        locked = _lock(line)
        delta = limit - locked.limit
        if not delta:
            return locked
        event = CreditLineEvent.objects.create(
            line=locked,
            kind=CreditLineEvent.Kind.ADJUST,
            old_limit=locked.limit,
            new_limit=limit,
            note=note[:200],
            by=staff,
        )
        source, account = system_account(LINES_SOURCE), available_account(locked.user)
        try:
            ledger.post(
                debit=source if delta > 0 else account,
                credit=account if delta > 0 else source,
                amount=yuan_to_fen(abs(delta)),
                idempotency_key=f"credit-limit:{event.public_id}",
                kind="credit_adjust",
                reference=f"credit:{locked.public_id}",
            )
        except InsufficientFunds:
            owed = locked.limit - fen_to_yuan(_fen(account))
            raise field_error(
                "limit", _("会员已用额度 ¥%(owed)s，新额度不能低于已用额度。") % {"owed": owed}
            ) from None
        CreditLine.objects.filter(pk=locked.pk).update(limit=limit, updated_at=timezone.now())
    line.refresh_from_db()
    return line


def set_frozen(*, line: CreditLine, frozen: bool, staff: User, note: str = "") -> CreditLine:
    """Finance staff freeze (no new credit purchases) or unfreeze a line by hand. An
    overdue line stays frozen until it is repaid, whatever is set here."""
    with transaction.atomic():
        if CreditLine.objects.filter(pk=line.pk, frozen=not frozen).update(
            frozen=frozen, updated_at=timezone.now()
        ):
            CreditLineEvent.objects.create(
                line=line,
                kind=CreditLineEvent.Kind.FREEZE if frozen else CreditLineEvent.Kind.UNFREEZE,
                note=note[:200],
                by=staff,
            )
    line.refresh_from_db()
    return line


def check_payer(payer, amount: Decimal | None = None, *, funds=None) -> None:
    """Credit pays only for a member whose line is neither frozen nor overdue, up to the
    credit available (checked again by the ledger when the payment is made). `funds`
    (`selectors.funds_of`): the line and its credit as a page already read them."""
    line = funds.credit_line if funds is not None else line_of(payer)
    if line is None:
        raise field_error("provider", _("您还没有信用额度，请选择其他支付方式。"))
    if line.frozen:
        raise field_error("provider", _("您的信用额度已冻结，请选择其他支付方式。"))
    if line.overdue:
        raise field_error("provider", _("您有逾期未还款项，信用额度已冻结，请先还款。"))
    left = funds.credit if funds is not None else available(payer)
    if amount is None:
        if left <= 0:
            raise field_error("provider", _("信用额度已用完，请先还款。"))
    elif amount > left:
        raise field_error(
            "amount", _("超出可用信用额度 ¥%(available)s。") % {"available": money(left)}
        )


# --- the period and its bill ----------------------------------------------------------


def _roll(line: CreditLine, *, day: date | None = None) -> CreditLine:
    """Close the line's period if its month is over (the caller holds the line's lock):
    the month's figures become its bill, and a new period starts this month. Every write
    to a line rolls it first, so each movement is counted in the month it happened."""
    day = day or today()
    start = day.replace(day=1)
    if line.period_start >= start:
        return line
    if line.period_spent or line.period_refunded or line.period_repaid:
        end = month_end(line.period_start)
        amount = line.period_owed
        CreditBill.objects.create(
            line=line,
            period_start=line.period_start,
            period_end=end,
            spent=line.period_spent,
            refunded=line.period_refunded,
            repaid_early=line.period_repaid,
            amount=amount,
            due_on=end + timedelta(days=GRACE_DAYS),
            paid_at=timezone.now() if not amount else None,
        )
    CreditLine.objects.filter(pk=line.pk).update(
        period_start=start,
        period_spent=ZERO,
        period_refunded=ZERO,
        period_repaid=ZERO,
        updated_at=timezone.now(),
    )
    line.refresh_from_db()
    return line


def roll_periods(*, day: date | None = None) -> int:
    """Issue last month's bills of every line not yet rolled (the daily job)."""
    day = day or today()
    rolled = 0
    stale = CreditLine.objects.filter(period_start__lt=day.replace(day=1))
    for pk in stale.values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            _roll(CreditLine.objects.select_for_update().get(pk=pk), day=day)
            rolled += 1
    return rolled


def open_bills(line: CreditLine):
    return CreditBill.objects.filter(line=line, paid_at__isnull=True).order_by("period_start")


def general_owed(line: CreditLine) -> Decimal:
    """Owed on bills and the current period (instalment plans apart)."""
    return sum((bill.remaining for bill in open_bills(line)), ZERO) + line.period_owed


def _settle(line: CreditLine, amount: Decimal, *, refund: bool) -> Decimal:
    """Take `amount` (a repayment or a refund) off the oldest unpaid bill first, then the
    current period; returns what was left over (more than was owed)."""
    left = amount
    for bill in open_bills(line).select_for_update():
        if not left:
            break
        part = min(left, bill.remaining)
        done = part == bill.remaining
        CreditBill.objects.filter(pk=bill.pk).update(
            settled=plus("settled", part),
            paid_at=timezone.now() if done else None,
            updated_at=timezone.now(),
        )
        left -= part
    part = min(left, line.period_owed)
    if part:
        field = "period_refunded" if refund else "period_repaid"
        CreditLine.objects.filter(pk=line.pk).update(**{field: plus(field, part)})
        left -= part
    return left


def overdue_now(line: CreditLine, *, day: date | None = None) -> bool:
    day = day or today()
    return (
        open_bills(line).filter(due_on__lt=day).exists()
        or Instalment.objects.filter(
            plan__user_id=line.user_id,
            plan__status=InstalmentPlan.Status.ACTIVE,
            paid_at__isnull=True,
            waived=False,
            due_on__lt=day,
        ).exists()
    )


def cure(line: CreditLine) -> None:
    """Unfreeze an overdue line once nothing is overdue any more."""
    if not overdue_now(line) and CreditLine.objects.filter(pk=line.pk, overdue=True).update(
        overdue=False, updated_at=timezone.now()
    ):
        CreditLineEvent.objects.create(line=line, kind=CreditLineEvent.Kind.CURED)


def mark_overdue(line: CreditLine) -> None:
    if CreditLine.objects.filter(pk=line.pk, overdue=False).update(
        overdue=True, updated_at=timezone.now()
    ):
        CreditLineEvent.objects.create(line=line, kind=CreditLineEvent.Kind.OVERDUE)


# --- paying and refunding -------------------------------------------------------------


def spend(intent: PaymentIntent, *, amount: Decimal | None = None, key: str = "") -> Posting:
    """Pay `intent` (or `amount` of it, an instalment plan's principal) from the payer's
    line: the ledger's conditional UPDATE refuses to spend more than is available, so any
    number of purchases at once can never together exceed the line."""
    payer = intent.payer
    if payer is None:
        raise field_error("payer", _("信用支付需要付款人。"))
    with transaction.atomic():
        found = CreditLine.objects.select_for_update().filter(user=payer).first()
        check_payer(payer)
        if found is None:  # check_payer refuses a payer without a line; for the reader
            raise NotFound(_("您还没有信用额度。"))
        line = _roll(found)
        amount = intent.amount if amount is None else amount
        try:
            posting = ledger.post(
                debit=available_account(payer),
                credit=clearing_account(),
                amount=yuan_to_fen(amount),
                idempotency_key=key or f"payment:{intent.public_id}",
                kind="credit_payment",
                reference=f"payment:{intent.public_id}",
            )
        except InsufficientFunds:
            raise InsufficientFunds(
                _("可用信用额度不足。"), fields={"amount": _("超出可用信用额度")}
            ) from None
        if not key:  # a plain purchase is billed with the month; a plan has its schedule
            CreditLine.objects.filter(pk=line.pk).update(period_spent=plus("period_spent", amount))
    return posting


def refund_payment(refund, *, reduce=None) -> Posting:
    """A refund of a credit purchase gives the credit back: what the member still owes for
    it comes off the oldest bill, then the current period (or, for an instalment plan,
    `reduce` takes it off the plan); whatever they had already repaid goes to their stored
    balance."""
    intent = refund.intent
    with transaction.atomic():
        line = _roll(CreditLine.objects.select_for_update().get(user_id=intent.payer_id))
        left = reduce(refund.amount) if reduce else _settle(line, refund.amount, refund=True)
        back = refund.amount - left
        posting = None
        if back:
            posting = ledger.post(
                debit=clearing_account(),
                credit=available_account(intent.payer),
                amount=yuan_to_fen(back),
                idempotency_key=f"refund:{refund.public_id}",
                kind="credit_refund",
                reference=f"payment:{intent.public_id}",
            )
        if left:
            wallet_posting = ledger.post(
                debit=clearing_account(),
                credit=_wallet(intent.payer),
                amount=yuan_to_fen(left),
                idempotency_key=f"refund-wallet:{refund.public_id}",
                kind="refund",
                reference=f"payment:{intent.public_id}",
            )
            posting = posting or wallet_posting
        cure(line)
    if posting is None:  # a refund of nothing is refused before any posting
        raise Conflict(_("没有可退回的信用金额。"), code="not_refundable")
    return posting


# --- repayments -----------------------------------------------------------------------


def amount_due(line: CreditLine) -> Decimal:
    """What a bill repayment may pay at most: late fees and everything owed outside plans."""
    return fees_owed(line.user) + general_owed(line)


def repay_methods(payer=None) -> list[selectors.PaymentMethod]:
    return selectors.payment_methods(capabilities=REPAY_WITH, payer=payer)


def _repay_provider(provider: str) -> str:
    if provider not in {m.name for m in repay_methods()}:
        raise field_error("provider", _("该支付方式不能用于还款。"))
    return provider


def open_repayment(
    *,
    user: User,
    amount: Decimal,
    provider: str,
    kind: str,
    plan: InstalmentPlan | None = None,
    numbers: list[int] | None = None,
    return_url: str = "",
) -> tuple[CreditRepayment, Started]:
    with transaction.atomic():
        repayment = CreditRepayment(
            user=user, kind=kind, plan=plan, instalment_numbers=numbers or [], amount=amount
        )
        intent = services.create_intent(
            purpose=PURPOSE,
            reference=repayment.public_id,
            amount=amount,
            payer=user,
            provider=_repay_provider(provider),
        )
        repayment.intent_id = intent.public_id
        repayment.save(force_insert=True)
    return repayment, services.start_payment(intent=intent, return_url=return_url)


def start_repayment(
    *, user: User, amount, provider: str, return_url: str = ""
) -> tuple[CreditRepayment, Started]:
    """Repay part or all of what is due (fees first, then the oldest bill) through an
    online provider; it reaches the line when its intent is paid."""
    amount = parse_money(amount, field="amount")
    line = line_of(user)
    if line is None:
        raise NotFound(_("您还没有信用额度。"))
    due = amount_due(line)
    if amount <= 0:
        raise field_error("amount", _("还款金额必须大于 0。"))
    if amount > due:
        raise field_error("amount", _("还款金额不能超过应还金额 ¥%(due)s。") % {"due": money(due)})
    return open_repayment(
        user=user,
        amount=amount,
        provider=provider,
        kind=CreditRepayment.Kind.BILL,
        return_url=return_url,
    )


def claim_repayment(*, repayment_id: str, intent_id: str) -> CreditRepayment | None:
    """A repayment's own intent is paid: the repayment, moved to credited once (the
    caller applies it in the same transaction); None for a replay or for another intent
    claiming to pay it (refunded by `accept_payment`)."""
    repayment = CreditRepayment.objects.filter(public_id=repayment_id).first()
    if repayment is None or not services.accept_payment(
        intent_id=intent_id,
        own_intent_id=repayment.intent_id,
        payer_id=repayment.user_id,
        amount=repayment.amount,
        purpose=PURPOSE,
        reference=repayment.public_id,
    ):
        return None
    if not CreditRepayment.objects.filter(
        pk=repayment.pk, status=CreditRepayment.Status.PENDING
    ).update(
        status=CreditRepayment.Status.CREDITED,
        credited_at=timezone.now(),
        updated_at=timezone.now(),
    ):
        return None
    return repayment


def apply_repayment(repayment: CreditRepayment) -> None:
    """Late fees first, then the oldest bill, then the current period (repaid early);
    anything beyond what is owed by now (a refund came first) goes to the stored balance."""
    user = repayment.user
    line = _roll(_lock(CreditLine.objects.get(user=user)))
    left = repayment.amount
    fee_part = min(left, fees_owed(user))
    key = repayment.public_id
    if fee_part:
        ledger.post(
            debit=fee_account(user),
            credit=system_account(FEES),
            amount=yuan_to_fen(fee_part),
            idempotency_key=f"credit-repay-fee:{key}",
            kind="credit_fee_repay",
            reference=f"credit:{line.public_id}",
        )
        left -= fee_part
    excess = _settle(line, left, refund=False) if left else ZERO
    if principal := left - excess:
        ledger.post(
            debit=system_account(REPAYMENTS),
            credit=available_account(user),
            amount=yuan_to_fen(principal),
            idempotency_key=f"credit-repay:{key}",
            kind="credit_repay",
            reference=f"credit:{line.public_id}",
        )
    if excess:
        give_back(user, excess, key=f"credit-repay-excess:{key}")
    cure(line)


def give_back(user: User, amount: Decimal, *, key: str) -> None:
    """Money paid beyond what is owed lands in the member's stored balance."""
    ledger.post(
        debit=system_account(REPAYMENTS),
        credit=_wallet(user),
        amount=yuan_to_fen(amount),
        idempotency_key=key,
        kind="credit_overpaid",
        reference=f"user:{user.public_id}",
    )


# --- late fees ------------------------------------------------------------------------


def late_fee(overdue: Decimal) -> Decimal:
    """One day's late fee: LATE_FEE_RATE of the overdue amount, half up to the fen."""
    return (overdue * LATE_FEE_RATE).quantize(CENT, rounding=ROUND_HALF_UP)


def charge_fee(*, user: User, day: date, overdue: Decimal, bill=None, instalment=None) -> Decimal:
    """Charge one day's fee on one overdue bill or instalment, at most once per day (the
    row is unique per day, and the posting is keyed on it)."""
    fee = late_fee(overdue)
    if not fee:
        return ZERO
    try:
        with transaction.atomic():
            row = LateFee.objects.create(
                bill=bill, instalment=instalment, day=day, overdue=overdue, amount=fee
            )
            ledger.post(
                debit=system_account(FEES),
                credit=fee_account(user),
                amount=yuan_to_fen(fee),
                idempotency_key=f"late-fee:{row.pk}",
                kind="credit_late_fee",
                reference=f"user:{user.public_id}",
            )
            target = bill or instalment
            type(target).objects.filter(pk=target.pk).update(late_fees=plus("late_fees", fee))
    except IntegrityError:
        return ZERO  # already charged that day
    return fee


def charge_late_fees(*, day: date) -> int:
    """Roll last month's bills, then for every bill unpaid after its due date charge each
    day since not yet charged, on what is unpaid now, and freeze the line."""
    roll_periods(day=day)
    charged = 0
    bills = CreditBill.objects.filter(paid_at__isnull=True, due_on__lt=day).select_related(
        "line__user"
    )
    for bill in bills:
        mark_overdue(bill.line)
        charged_days = set(bill.fees.values_list("day", flat=True))
        fee_day = bill.due_on + timedelta(days=1)
        while fee_day <= day:
            if fee_day not in charged_days:
                bill.refresh_from_db(fields=["settled", "paid_at"])
                if bill.paid_at is not None:
                    break
                charged += bool(
                    charge_fee(user=bill.line.user, day=fee_day, overdue=bill.remaining, bill=bill)
                )
            fee_day += timedelta(days=1)
    return charged


# --- reads ----------------------------------------------------------------------------


def owed(line: CreditLine) -> Decimal:
    """Principal owed: the limit minus the credit available."""
    return line.limit - available(line.user)


def overdue_lines():
    return CreditLine.objects.filter(Q(overdue=True)).select_related("user").order_by("updated_at")


def validate_rule(*, min_tier_rank, min_paid_orders, limit) -> dict:
    values: dict[str, int | Decimal] = {}
    for name, value in (("min_tier_rank", min_tier_rank), ("min_paid_orders", min_paid_orders)):
        try:
            number = int(str(value).strip())
        except ValueError:
            raise field_error(name, _("请输入 0 或正整数。")) from None
        if number < 0 or number > 100000:
            raise field_error(name, _("请输入 0 或正整数。"))
        values[name] = number
    values["limit"] = _limit(limit)
    return values


def create_rule(*, staff: User, **fields) -> CreditRule:
    return CreditRule.objects.create(created_by=staff, **validate_rule(**fields))


def update_rule(*, rule_id: str, active: bool | None = None, **fields) -> CreditRule:
    rule = CreditRule.objects.filter(public_id=rule_id).first()
    if rule is None:
        raise NotFound(_("找不到该授信规则。"))
    changes = validate_rule(**fields) if fields else {}
    if active is not None:
        changes["is_active"] = active
    CreditRule.objects.filter(pk=rule.pk).update(updated_at=timezone.now(), **changes)
    rule.refresh_from_db()
    return rule


def history(user: User, *, limit: int = 50) -> list[selectors.WalletLine]:
    """The line's movements, newest first (授信, 消费, 退款, 还款, ...)."""
    account = ledger_selectors.account_for_user(user, ledger.CNY, kind=Account.Kind.CREDIT)
    if account is None:
        return []
    return [
        selectors.WalletLine(
            kind=e.posting.kind,
            amount=fen_to_yuan(e.amount),
            balance_after=fen_to_yuan(e.balance_after),
            at=e.created_at,
        )
        for e in ledger_selectors.entries(account)[:limit]
    ]


def lines(*, limit: int = 200):
    return CreditLine.objects.select_related("user").order_by("-overdue", "-frozen", "-id")[:limit]


def rules():
    return CreditRule.objects.order_by("-is_active", "-limit", "id")


def line_by_id(public_id: str) -> CreditLine:
    line = CreditLine.objects.filter(public_id=public_id).first()
    if line is None:
        raise NotFound(_("找不到该信用额度。"))
    return line


def grant_by_phone(*, phone: str, limit, staff: User, note: str = "") -> CreditLine:
    """Finance staff grant a line by hand to the member with this phone number."""
    try:
        phone = normalize_phone(phone or "")
    except DomainError:
        raise field_error("phone", _("请输入 11 位手机号。")) from None
    user = User.objects.filter(phone=phone).first()
    if user is None:
        raise field_error("phone", _("找不到该手机号的会员。"))
    return grant(user=user, limit=limit, staff=staff, note=note)
