"""Commission after it is paid: frozen for the merchant's freeze period, then withdrawable;
payout requests above the merchant's minimum move it to a pending account until the
merchant's managers approve or reject it. The withdrawable account cannot go below zero,
so concurrent requests can never together take more than it holds."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import MANAGING_ROLES, is_platform_operator, require_role
from omniretail.core.errors import Conflict, NotFound, field_error
from omniretail.core.money import ZERO, money
from omniretail.ledger import services as ledger
from omniretail.ledger.services import InsufficientFunds
from omniretail.ledger.units import yuan_to_fen
from omniretail.notifications.services import notify
from omniretail.referrals import funds
from omniretail.referrals.locks import lock_in_pk_order
from omniretail.referrals.models import Attribution, PayoutRequest, Reseller
from omniretail.referrals.rewards import recover_debts
from omniretail.referrals.selectors import balances, programme_of

MAX_PAYOUT = Decimal("1000000.00")
PayoutStatus = PayoutRequest.Status


class ExceedsWithdrawable(Conflict):
    code = "exceeds_withdrawable"


# ---------------------------------------------------------------- the freeze


def release_frozen_commissions(*, now: datetime | None = None, batch: int = 200) -> int:
    """The sweep: commission whose freeze period is over becomes withdrawable."""
    now = now or timezone.now()
    due = Attribution.objects.filter(
        kind=Attribution.Kind.COMMISSION,
        status=Attribution.Status.CREDITED,
        released_at__isnull=True,
        releases_at__lte=now,
    ).order_by("pk")
    return sum(
        1 for pk in list(due.values_list("pk", flat=True)[:batch]) if release(pk=pk, now=now)
    )


@transaction.atomic
def release(*, pk: int, now: datetime) -> bool:
    locked = lock_in_pk_order(Attribution.objects.filter(pk=pk))
    if not locked or locked[0].released_at or locked[0].status != Attribution.Status.CREDITED:
        return False
    attribution = locked[0]
    reseller = Reseller.objects.get(
        user_id=attribution.sharer_id, merchant_id=attribution.merchant_id
    )
    Attribution.objects.filter(pk=pk).update(released_at=now, updated_at=now)
    withdrawable = funds.withdrawable_commission(reseller)
    if attribution.net_amount > ZERO:
        ledger.post(
            debit=funds.frozen_commission(reseller),
            credit=withdrawable,
            amount=yuan_to_fen(attribution.net_amount),
            idempotency_key=f"release:{attribution.public_id}",
            kind="referral_commission_release",
            reference=f"reseller:{reseller.public_id}",
        )
        recover_debts(account=withdrawable)
    return True


# ---------------------------------------------------------------- payouts


def _payout_amount(value, minimum: Decimal) -> Decimal:
    try:
        amount = money(value)
    except (TypeError, ValueError):
        raise field_error("amount", _("请输入正确的金额。")) from None
    if amount != Decimal(str(value).strip()) or not ZERO < amount <= MAX_PAYOUT:
        raise field_error("amount", _("金额必须大于 0，且最多两位小数。"))
    if amount < minimum:
        raise field_error("amount", _("单笔提现不低于 ¥%(min)s。") % {"min": minimum})
    return amount


def _exceeds(reseller: Reseller, amount: Decimal) -> ExceedsWithdrawable:
    state = balances(reseller)
    message = _("可提现余额为 ¥%(available)s，不足 ¥%(amount)s。") % {
        "available": state["withdrawable"],
        "amount": amount,
    }
    if state["frozen"] > ZERO and state["next_release"]:
        message += _("另有 ¥%(frozen)s 仍在冻结期内，最早于 %(when)s 解冻。") % {
            "frozen": state["frozen"],
            "when": timezone.localtime(state["next_release"]).strftime("%Y-%m-%d %H:%M"),
        }
    return ExceedsWithdrawable(message, fields={"amount": message})


@transaction.atomic
def request_payout(*, user, reseller: Reseller, amount) -> PayoutRequest:
    """Withdraw commission: at least the merchant's minimum, at most what is withdrawable
    now (frozen commission is not). The debit of the withdrawable account refuses an
    overdraft in the same statement, so racing requests cannot both pass."""
    if reseller.user_id != getattr(user, "pk", None):
        raise NotFound(_("找不到该分销资格。"))
    amount = _payout_amount(amount, programme_of(reseller.merchant).payout_minimum)
    payout = PayoutRequest.objects.create(reseller=reseller, amount=amount)
    try:
        with transaction.atomic():
            ledger.post(
                debit=funds.withdrawable_commission(reseller),
                credit=funds.payouts_pending(),
                amount=yuan_to_fen(amount),
                idempotency_key=f"payout:{payout.public_id}",
                kind="commission_payout_requested",
                reference=f"reseller:{reseller.public_id}",
            )
    except InsufficientFunds:
        raise _exceeds(reseller, amount) from None
    notify(
        organization=reseller.merchant,
        title=_("新的提现申请"),
        body=_("分销商 %(who)s 申请提现 ¥%(amount)s，请审核。")
        % {"who": reseller.user.display_name or reseller.user.username, "amount": amount},
        link="/merchant/referrals/",
    )
    return payout


@transaction.atomic
def decide_payout(
    *, staff, payout: PayoutRequest, approve: bool, reason: str = ""
) -> PayoutRequest:
    """A manager of the merchant approves (the money leaves) or rejects with a reason (the
    money goes back to the withdrawable balance). Decided once."""
    reseller = payout.reseller
    if not is_platform_operator(staff):
        require_role(staff, reseller.merchant, MANAGING_ROLES)
    reason = (reason or "").strip()[:200]
    if not approve and not reason:
        raise field_error("reason", _("驳回时请说明原因。"))
    now = timezone.now()
    decided = PayoutRequest.objects.filter(pk=payout.pk, status=PayoutStatus.REQUESTED).update(
        status=PayoutStatus.APPROVED if approve else PayoutStatus.REJECTED,
        reason="" if approve else reason,
        decided_by=staff,
        decided_at=now,
        updated_at=now,
    )
    if not decided:
        raise Conflict(_("该提现申请已处理。"), code="already_decided")
    payout.refresh_from_db()
    ledger.post(
        debit=funds.payouts_pending(),
        credit=funds.payouts_paid() if approve else funds.withdrawable_commission(reseller),
        amount=yuan_to_fen(payout.amount),
        idempotency_key=f"payout-decided:{payout.public_id}",
        kind="commission_payout_paid" if approve else "commission_payout_rejected",
        reference=f"reseller:{reseller.public_id}",
    )
    facts = {"amount": payout.amount, "reason": reason}
    notify(
        user=reseller.user,
        title=_("提现审核结果"),
        body=(
            _("您的提现 ¥%(amount)s 已审核通过，款项已打出。")
            if approve
            else _("您的提现 ¥%(amount)s 被驳回：%(reason)s。金额已退回可提现余额。")
        )
        % facts,
        link="/me/referrals/",
    )
    return payout
