"""Every write of terminals: credentials, the jobs a terminal is given, and the one report of
each job's outcome. A job's status moves forward only, in one conditional UPDATE, and its
outcome reaches payments through payments' own public services, so a replayed report (a
terminal that lost the answer and sends it again) changes nothing."""

import logging
import re
import secrets
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import MANAGING_ROLES, require_role
from omniretail.core.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    field_error,
)
from omniretail.core.signing import digest
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent, Refund
from omniretail.payments.providers.base import ChargeState
from omniretail.terminals.models import Terminal, TerminalJob

logger = logging.getLogger(__name__)
SCHEME = "terminal"
PROVIDER = "card_terminal"
Job = TerminalJob
CARD_SCHEMES = ("UnionPay", "Visa", "Mastercard", "JCB", "AMEX", "QuickPass")


class CredentialRevoked(PermissionDenied):
    code = "credential_revoked"


def register(*, actor, merchant, name: str) -> tuple[Terminal, str]:
    """A new terminal of `merchant` and its credential `<key_id>.<secret>`, shown once."""
    require_role(actor, merchant, roles=MANAGING_ROLES)
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise field_error("name", _("终端名称不能为空且不超过 60 个字符。"))
    key_id, secret = f"t{secrets.token_hex(8)}", secrets.token_urlsafe(32)
    terminal = Terminal.objects.create(
        merchant=merchant,
        name=name,
        key_id=key_id,
        secret_hash=digest(secret),
        created_by=actor,
    )
    return terminal, f"{key_id}.{secret}"


def revoke(*, actor, terminal: Terminal) -> Terminal:
    require_role(actor, terminal.merchant, roles=MANAGING_ROLES)
    Terminal.objects.filter(pk=terminal.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), updated_at=timezone.now()
    )
    terminal.refresh_from_db()
    return terminal


def authenticate(header: str | None) -> Terminal:
    """`Authorization: Terminal <key_id>.<secret>` (scheme case-insensitive) -> the terminal;
    401 when unknown or malformed, 403 `credential_revoked` once staff revoked it."""
    scheme, _sep, token = (header or "").strip().partition(" ")
    key_id, _dot, secret = token.strip().partition(".")
    if scheme.lower() != SCHEME or not key_id or not secret:
        raise NotAuthenticated(_("缺少或无法识别终端凭证。"), code="terminal_credential")
    terminal = Terminal.objects.filter(key_id=key_id).first()
    if terminal is None or not secrets.compare_digest(terminal.secret_hash, digest(secret)):
        raise NotAuthenticated(_("终端凭证无效。"), code="terminal_credential")
    if terminal.revoked_at is not None:
        raise CredentialRevoked(_("该终端已停用。"))
    Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=timezone.now())
    return terminal


def send_sale(*, staff, terminal: Terminal, intent: PaymentIntent) -> TerminalJob:
    """Ask `terminal` to take the intent's amount from a card. The intent must be one paid
    to the terminal's merchant with the card terminal; pressing 刷卡 again gives the job
    that is already open."""
    require_role(staff, terminal.merchant)
    if terminal.revoked_at is not None:
        raise Conflict(_("该终端已停用。"), code="terminal_revoked")
    if intent.provider != PROVIDER or intent.payee_id != terminal.merchant_id:
        raise NotFound(_("找不到该支付单。"))
    if intent.status not in PaymentIntent.OPEN:
        raise Conflict(_("该支付单当前状态无法发起支付。"), code="intent_not_payable")
    open_job = _open_sale(intent)
    if open_job is not None:
        if open_job.terminal_id != terminal.pk:
            raise Conflict(_("该支付单已发送到另一台终端。"), code="sent_to_another_terminal")
        return open_job
    try:
        with transaction.atomic():
            job = TerminalJob.objects.create(
                terminal=terminal,
                kind=Job.Kind.SALE,
                intent_id=intent.public_id,
                amount=intent.amount,
                description=f"{intent.purpose}:{intent.reference}"[:120],
            )
            payments.start_payment(intent=intent)
    except IntegrityError:  # a concurrent press opened it first
        return _open_sale(intent)
    return job


def cancel_open_sales(intent: PaymentIntent) -> None:
    """The cashier takes another way: withdraw the sale unless the terminal has already
    reported it approved (then the intent is paid and must be refunded instead)."""
    TerminalJob.objects.filter(
        intent_id=intent.public_id, kind=Job.Kind.SALE, status__in=Job.OPEN
    ).update(status=Job.Status.CANCELLED, finished_at=timezone.now(), updated_at=timezone.now())
    if TerminalJob.objects.filter(
        intent_id=intent.public_id, kind=Job.Kind.SALE, status=Job.Status.APPROVED
    ).exists():
        raise Conflict(_("付款人已在终端刷卡成功，无法取消。"), code="already_paid")


def queue_refund(refund: Refund) -> TerminalJob:
    """A card payment is given back on the terminal that took it."""
    sale = TerminalJob.objects.filter(
        intent_id=refund.intent.public_id, kind=Job.Kind.SALE, status=Job.Status.APPROVED
    ).first()
    if sale is None:
        raise Conflict(_("找不到该笔刷卡交易，无法退款。"), code="refund_refused")
    return TerminalJob.objects.create(
        terminal=sale.terminal,
        kind=Job.Kind.REFUND,
        intent_id=refund.intent.public_id,
        refund_id=refund.public_id,
        amount=refund.amount,
        description=_("退款"),
    )


def next_job(terminal: Terminal) -> TerminalJob | None:
    """The oldest open job of this terminal: a pending one is marked sent; a sent one is
    given again (the terminal may have restarted before it reported)."""
    job = TerminalJob.objects.filter(terminal=terminal, status__in=Job.OPEN).order_by("id").first()
    if job is not None and job.status == Job.Status.PENDING:
        now = timezone.now()
        TerminalJob.objects.filter(pk=job.pk, status=Job.Status.PENDING).update(
            status=Job.Status.SENT, sent_at=now, updated_at=now
        )
        job.refresh_from_db()
    return job


def report(*, terminal: Terminal, job_id: str, data: dict) -> tuple[TerminalJob, bool]:
    """The terminal's outcome of a job, applied once: `(job, duplicate)`. The same report
    again is a duplicate; another outcome for a finished job is a 409."""
    job = TerminalJob.objects.filter(public_id=job_id, terminal=terminal).first()
    if job is None:
        raise NotFound(_("找不到该终端任务。"), code="unknown_job")
    outcome, fields = _read_report(job, data)
    final = Job.Status.APPROVED if outcome == "approved" else Job.Status.DECLINED
    if job.status not in Job.OPEN:
        if job.status == final and job.terminal_reference == fields["terminal_reference"]:
            return job, True
        code = "job_cancelled" if job.status == Job.Status.CANCELLED else "job_finished"
        raise Conflict(
            _("该终端任务已结束（%(status)s），请在终端上冲正。")
            % {"status": job.get_status_display()},
            code=code,
            details={"status": job.status},
        )
    with transaction.atomic():
        now = timezone.now()
        if not TerminalJob.objects.filter(pk=job.pk, status__in=Job.OPEN).update(
            status=final, finished_at=now, updated_at=now, **fields
        ):
            job.refresh_from_db()
            return report(terminal=terminal, job_id=job_id, data=data)
        job.refresh_from_db()
        _apply(job, approved=final == Job.Status.APPROVED, raw=data)
    return job, False


def _apply(job: TerminalJob, *, approved: bool, raw: dict) -> None:
    """An approved sale pays the intent; a declined one leaves it payable (the payer tries
    another card, or the cashier another way) until it expires."""
    intent = PaymentIntent.objects.get(public_id=job.intent_id)
    if job.kind == Job.Kind.SALE:
        if approved:
            state = ChargeState(
                status="paid", amount=job.amount, provider_reference=job.public_id, raw=raw
            )
            payments.apply_provider_state(intent=intent, state=state)
    else:
        refund = Refund.objects.get(public_id=job.refund_id)
        payments.settle_refund(refund=refund, succeeded=approved)


def _read_report(job: TerminalJob, data: dict) -> tuple[str, dict]:
    errors: dict[str, str] = {}
    outcome = data.get("outcome")
    if outcome not in ("approved", "declined"):
        errors["outcome"] = _("应为 approved 或 declined。")
    try:
        amount = Decimal(str(data.get("amount")))
    except (InvalidOperation, ValueError):
        amount = None
    if amount != job.amount:
        errors["amount"] = _("金额须与任务金额 ¥%(amount)s 一致。") % {"amount": job.amount}
    card = data.get("card") or {}
    scheme, last4 = str(card.get("scheme", "")), str(card.get("last4", ""))
    if outcome == "approved" and (scheme not in CARD_SCHEMES or not re.fullmatch(r"\d{4}", last4)):
        errors["card"] = _("成功的交易须给出卡组织（%(schemes)s）和卡号后四位。") % {
            "schemes": ", ".join(CARD_SCHEMES)
        }
    reference = str(data.get("terminal_reference", "")).strip()
    if not reference or len(reference) > 64:
        errors["terminal_reference"] = _("终端流水号不能为空且不超过 64 个字符。")
    if errors:
        raise ValidationFailed(fields=errors, code="bad_report")
    return outcome, {
        "card_scheme": scheme if outcome == "approved" else "",
        "card_last4": last4 if outcome == "approved" else "",
        "auth_code": str(data.get("auth_code", ""))[:32],
        "terminal_reference": reference,
        "decline_reason": str(data.get("reason", ""))[:120] if outcome == "declined" else "",
    }


def _open_sale(intent: PaymentIntent) -> TerminalJob | None:
    return TerminalJob.objects.filter(
        intent_id=intent.public_id, kind=Job.Kind.SALE, status__in=Job.OPEN
    ).first()
