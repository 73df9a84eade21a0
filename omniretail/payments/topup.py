"""Balance top-up (充值) through any online provider, with the platform's bonus rules
(充值满赠). The money and the bonus reach the wallet only when the top-up's own intent is
paid, once; a refund gives back part or all of what was paid and takes back the bonus in
the same proportion, both in the transaction that asks the provider for the money."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict, NotFound, ValidationFailed, field_error
from omniretail.core.money import ZERO, parse_money, plus
from omniretail.ledger import services as ledger
from omniretail.ledger.services import InsufficientFunds
from omniretail.ledger.units import yuan_to_fen
from omniretail.payments import selectors, services
from omniretail.payments.models import PaymentIntent, Refund, TopUp, TopUpRule
from omniretail.payments.providers.base import ONLINE, Capability, Started

PURPOSE = "topup"
MIN_TOP_UP = Decimal("1.00")
MAX_TOP_UP = Decimal("5000.00")
BONUS_SOURCE = "topup_bonus"
# A balance cannot pay for more balance.
TOP_UP_WITH = ONLINE - {Capability.INSTANT}
CENT = Decimal("0.01")


def methods() -> list[selectors.PaymentMethod]:
    return selectors.payment_methods(capabilities=TOP_UP_WITH)


def bonus_rule(amount: Decimal, *, now: datetime | None = None) -> TopUpRule | None:
    """The rule giving the biggest bonus for a top-up of `amount` now, if any."""
    now = now or timezone.now()
    return (
        TopUpRule.objects.filter(is_active=True, threshold__lte=amount)
        .filter(Q(starts_at__isnull=True) | Q(starts_at__lte=now))
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("-bonus", "id")
        .first()
    )


def start_top_up(
    *, user: User, amount, provider: str, return_url: str = "", now: datetime | None = None
) -> tuple[TopUp, Started]:
    """Open the top-up and its intent (the bonus fixed now, as shown), then hand the intent
    to its provider. A refused start leaves the top-up pending; it simply expires."""
    amount = _amount(amount)
    if provider not in {m.name for m in methods()}:
        raise field_error("provider", _("该支付方式不能用于充值。"))
    rule = bonus_rule(amount, now=now)
    with transaction.atomic():
        top_up = TopUp(user=user, amount=amount, bonus=rule.bonus if rule else ZERO, rule=rule)
        intent = services.create_intent(
            purpose=PURPOSE,
            reference=top_up.public_id,
            amount=amount,
            payer=user,
            provider=provider,
        )
        top_up.intent_id = intent.public_id
        top_up.save(force_insert=True)
    return top_up, services.start_payment(intent=intent, return_url=return_url)


def credit(*, top_up_id: str, intent_id: str) -> bool:
    """The top-up's intent is paid: credit the amount and the bonus, once. Any other intent
    claiming to pay it is refunded by `accept_payment` and changes nothing here."""
    top_up = TopUp.objects.filter(public_id=top_up_id).first()
    if top_up is None:
        return False
    if not services.accept_payment(
        intent_id=intent_id,
        own_intent_id=top_up.intent_id,
        payer_id=top_up.user_id,
        amount=top_up.amount,
        purpose=PURPOSE,
        reference=top_up.public_id,
    ):
        return False
    with transaction.atomic():
        if not TopUp.objects.filter(pk=top_up.pk, status=TopUp.Status.PENDING).update(
            status=TopUp.Status.CREDITED, credited_at=timezone.now(), updated_at=timezone.now()
        ):
            return False
        wallet = _wallet(top_up.user)
        ledger.post(
            debit=ledger.system_account(
                asset_code=ledger.CNY, name=services.TOPUP_SOURCE, kind="external"
            ),
            credit=wallet,
            amount=yuan_to_fen(top_up.amount),
            idempotency_key=f"topup:{top_up.public_id}",
            kind="topup",
            reference=f"topup:{top_up.public_id}",
        )
        if top_up.bonus:
            ledger.post(
                debit=_bonus_account(),
                credit=wallet,
                amount=yuan_to_fen(top_up.bonus),
                idempotency_key=f"topup-bonus:{top_up.public_id}",
                kind="topup_bonus",
                reference=f"topup:{top_up.public_id}",
            )
    return True


def refund(*, top_up: TopUp, amount, staff: User, idempotency_key: str, reason: str = ""):
    """Give back `amount` of what was paid and take back the bonus in proportion (the last
    refund takes whatever bonus is left, so a full refund takes it all). Both come out of
    the wallet: if the shopper has spent them, the refund is refused and nothing moves. The
    same key with the same amount returns the first refund."""
    amount = parse_money(amount, field="amount")
    if not idempotency_key:
        raise field_error("idempotency_key", _("幂等键不能为空。"))
    with transaction.atomic():
        locked = TopUp.objects.select_for_update().get(pk=top_up.pk)
        key = f"{locked.public_id}:{idempotency_key}"
        if replay := Refund.objects.filter(idempotency_key=f"topup:{key}").first():
            if replay.amount != amount:
                raise Conflict(_("该幂等键已用于另一笔退款。"), code="idempotency_key_reused")
            return replay
        if locked.status == TopUp.Status.PENDING:
            raise Conflict(_("该充值尚未到账，无法退款。"), code="not_refundable")
        remaining = locked.amount - locked.amount_refunded
        if amount <= 0 or amount > remaining:
            raise ValidationFailed(
                _("退款金额超出可退金额 ¥%(remaining)s。") % {"remaining": remaining},
                code="refund_exceeds_paid",
                fields={"amount": _("最多可退 ¥%(remaining)s") % {"remaining": remaining}},
            )
        clawback = clawback_for(locked, amount)
        wallet = _wallet(locked.user)
        try:
            ledger.post(
                debit=wallet,
                credit=ledger.system_account(
                    asset_code=ledger.CNY, name=services.TOPUP_SOURCE, kind="external"
                ),
                amount=yuan_to_fen(amount),
                idempotency_key=f"topup-refund:{key}",
                kind="topup_refund",
                reference=f"topup:{locked.public_id}",
            )
            if clawback:
                ledger.post(
                    debit=wallet,
                    credit=_bonus_account(),
                    amount=yuan_to_fen(clawback),
                    idempotency_key=f"topup-clawback:{key}",
                    kind="topup_clawback",
                    reference=f"topup:{locked.public_id}",
                )
        except InsufficientFunds:
            raise Conflict(
                _("余额不足以退回充值金额及赠送金额 ¥%(total)s。") % {"total": amount + clawback},
                code="insufficient_funds",
            ) from None
        refunded = locked.amount_refunded + amount
        TopUp.objects.filter(pk=locked.pk).update(
            amount_refunded=plus("amount_refunded", amount),
            bonus_clawed_back=plus("bonus_clawed_back", clawback),
            status=TopUp.Status.REFUNDED if refunded == locked.amount else locked.status,
            updated_at=timezone.now(),
        )
        row = services.refund(
            intent=PaymentIntent.objects.get(public_id=locked.intent_id),
            amount=amount,
            reason=reason or _("余额充值退款"),
            idempotency_key=f"topup:{key}",
            requested_by=staff,
        )
    top_up.refresh_from_db()
    return row


def clawback_for(top_up: TopUp, amount: Decimal) -> Decimal:
    """The bonus that goes with refunding `amount`: its share of the bonus, to the fen; the
    refund that empties the top-up takes all the bonus that is left."""
    left = top_up.bonus - top_up.bonus_clawed_back
    if top_up.amount_refunded + amount == top_up.amount:
        return left
    share = (top_up.bonus * amount / top_up.amount).quantize(CENT, rounding=ROUND_HALF_UP)
    return min(share, left)


def top_up_of(user: User, public_id: str) -> TopUp:
    found = TopUp.objects.filter(public_id=public_id, user=user).first()
    if found is None:
        raise NotFound(_("找不到该充值记录。"))
    return found


def _amount(value) -> Decimal:
    amount = parse_money(value, field="amount")
    if not MIN_TOP_UP <= amount <= MAX_TOP_UP:
        raise field_error(
            "amount",
            _("单笔充值金额须在 ¥%(low)s 到 ¥%(high)s 之间。")
            % {"low": MIN_TOP_UP, "high": MAX_TOP_UP},
        )
    return amount


def _wallet(user: User):
    return ledger.get_or_create_account(asset_code=ledger.CNY, owner=user)


def _bonus_account():
    return ledger.system_account(asset_code=ledger.CNY, name=BONUS_SOURCE, kind="external")


def create_rule(
    *,
    threshold,
    bonus,
    staff: User,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> TopUpRule:
    """A bonus rule set by the platform's finance staff: 0 < bonus < threshold, and an end
    after the start."""
    threshold = parse_money(threshold, field="threshold")
    bonus = parse_money(bonus, field="bonus")
    if not MIN_TOP_UP <= threshold <= MAX_TOP_UP:
        raise field_error(
            "threshold",
            _("充值门槛须在 ¥%(low)s 到 ¥%(high)s 之间。")
            % {"low": MIN_TOP_UP, "high": MAX_TOP_UP},
        )
    if not ZERO < bonus < threshold:
        raise field_error("bonus", _("赠送金额须大于 0 且小于充值门槛。"))
    if starts_at and ends_at and ends_at <= starts_at:
        raise field_error("ends_at", _("结束时间必须晚于开始时间。"))
    return TopUpRule.objects.create(
        threshold=threshold, bonus=bonus, starts_at=starts_at, ends_at=ends_at, created_by=staff
    )


def set_rule_active(*, rule_id: str, active: bool) -> TopUpRule:
    rule = TopUpRule.objects.filter(public_id=rule_id).first()
    if rule is None:
        raise NotFound(_("找不到该充值规则。"))
    TopUpRule.objects.filter(pk=rule.pk).update(is_active=active, updated_at=timezone.now())
    rule.refresh_from_db()
    return rule
