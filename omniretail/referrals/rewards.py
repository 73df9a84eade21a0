"""What a referred sale earns, and taking it back. A reward is paid only when the order has
completed and its return window has passed (a sweep); a refund before that shrinks or
cancels it, a refund after it becomes a debt, recovered from the account it was paid into
at once as far as it goes and from later earnings after that.

Reaching the merchant's threshold of referred buyers of one product makes the sharer a
reseller: their own purchase of that product is refunded the way it was paid, and their
later referred sales earn a tiered commission. One level only: a reseller earns on sales
made through their own links and on nothing else."""

import logging
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core.errors import Conflict, DomainError
from omniretail.core.money import CENT, ZERO, plus
from omniretail.ledger import selectors as ledger_reads
from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account
from omniretail.ledger.units import fen_to_yuan, yuan_to_fen
from omniretail.notifications.services import notify
from omniretail.orders.aftersales import return_window
from omniretail.orders.models import Order
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.referrals import funds
from omniretail.referrals.locks import lock_in_pk_order
from omniretail.referrals.models import (
    Attribution,
    Debt,
    Form,
    ReferralProgramme,
    Reseller,
    percent_of,
)
from omniretail.referrals.points import (
    award_points,
    points_account,
    points_issuer,
    reclaim_points,
)
from omniretail.referrals.selectors import money_total, month_start, programme_of, tier_rate

logger = logging.getLogger(__name__)
Status = Attribution.Status
Kind = Attribution.Kind
OWN_PURCHASE_STATUSES = (
    Order.Status.PAID,
    Order.Status.READY_FOR_PICKUP,
    Order.Status.SHIPPED,
    Order.Status.COMPLETED,
)


def points_per_yuan() -> int:
    return int(getattr(settings, "OMNI_REFERRAL_POINTS_PER_YUAN", 100))


def _share(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(CENT, rounding=ROUND_DOWN)


# ---------------------------------------------------------------- paying


def credit_due_rewards(*, now: datetime | None = None, batch: int = 200) -> int:
    """The sweep: pay every reward whose order completed more than a return window ago."""
    now = now or timezone.now()
    due = Attribution.objects.filter(
        status=Status.PENDING,
        order__status=Order.Status.COMPLETED,
        order__completed_at__lte=now - return_window(),
    ).order_by("pk")
    paid = 0
    for pk in list(due.values_list("pk", flat=True)[:batch]):
        if credit_reward(attribution_pk=pk, now=now):
            paid += 1
    return paid


@transaction.atomic
def credit_reward(*, attribution_pk: int, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    locked = lock_in_pk_order(Attribution.objects.filter(pk=attribution_pk))
    if not locked or locked[0].status != Status.PENDING:
        return False
    attribution = Attribution.objects.select_related("order", "merchant", "sharer", "product").get(
        pk=attribution_pk
    )
    order = attribution.order
    if order.status != Order.Status.COMPLETED or order.completed_at > now - return_window():
        return False
    programme = programme_of(attribution.merchant)
    changes: dict = {"status": Status.CREDITED, "credited_at": now}
    reseller = None
    if attribution.kind == Kind.COMMISSION:
        reseller = _lock_reseller(attribution.sharer_id, attribution.merchant_id)
        rank = (
            1
            + Attribution.objects.filter(
                sharer_id=attribution.sharer_id,
                merchant_id=attribution.merchant_id,
                kind=Kind.COMMISSION,
                status=Status.CREDITED,
                credited_at__gte=month_start(now),
                credited_at__lte=now,
            ).count()
        )
        changes.update(month_rank=rank, rate=tier_rate(programme.tiers, rank))
        changes["releases_at"] = now + timedelta(days=programme.freeze_days)
    rate = changes.get("rate", attribution.rate)
    amount = _share(attribution.kept_base, rate)
    changes["amount"] = amount
    if attribution.form == Form.POINTS:
        changes["points"] = int(amount * points_per_yuan())
    Attribution.objects.filter(pk=attribution.pk).update(**changes, updated_at=now)
    attribution.refresh_from_db()
    account = _pay(attribution, reseller)
    _tell_sharer_of_credit(attribution)
    if account is not None:
        recover_debts(account=account)
    if attribution.kind == Kind.REBATE:
        _grant_reseller_if_earned(attribution, programme)
    return True


def _lock_reseller(user_id: int, merchant_id: int) -> Reseller:
    return lock_in_pk_order(Reseller.objects.filter(user_id=user_id, merchant_id=merchant_id))[0]


def _pay(attribution: Attribution, reseller: Reseller | None) -> Account | None:
    """Post the reward; returns the sharer's account it reached (for debt recovery), or
    None when it is still frozen."""
    reference = f"order:{attribution.order.public_id}"
    key = f"reward:{attribution.public_id}"
    if attribution.form == Form.POINTS:
        if attribution.points:
            award_points(
                user=attribution.sharer,
                points=attribution.points,
                reason=reference,
                idempotency_key=key,
            )
        return points_account(attribution.sharer)
    if attribution.amount <= ZERO:
        return None
    fund = funds.merchant_fund(attribution.merchant)
    if reseller is not None:
        ledger.post(
            debit=fund,
            credit=funds.frozen_commission(reseller),
            amount=yuan_to_fen(attribution.amount),
            idempotency_key=key,
            kind="referral_commission",
            reference=reference,
        )
        return None
    wallet = funds.wallet(attribution.sharer)
    ledger.post(
        debit=fund,
        credit=wallet,
        amount=yuan_to_fen(attribution.amount),
        idempotency_key=key,
        kind="referral_rebate",
        reference=reference,
    )
    return wallet


def _tell_sharer_of_credit(attribution: Attribution) -> None:
    facts = {
        "product": attribution.product.name,
        "order": attribution.order.number,
        "base": attribution.kept_base,
        "rate": percent_of(attribution.rate),
        "amount": attribution.amount,
        "points": attribution.points,
    }
    if attribution.kind == Kind.COMMISSION:
        facts["rank"] = attribution.month_rank
        title = _("销售提成到账")
        body = _(
            "您推荐的订单 %(order)s（「%(product)s」¥%(base)s）已完成且过了售后期：本月第 "
            "%(rank)s 单，按 %(rate)s%% 计提成 ¥%(amount)s，冻结期满后可提现。"
        )
    elif attribution.form == Form.POINTS:
        title = _("分享返利到账")
        body = _(
            "您分享的「%(product)s」成交的订单 %(order)s（¥%(base)s）已完成且过了售后期："
            "按 %(rate)s%% 返利 ¥%(amount)s，折合 %(points)s 平台积分，已存入积分账户。"
        )
    else:
        title = _("分享返利到账")
        body = _(
            "您分享的「%(product)s」成交的订单 %(order)s（¥%(base)s）已完成且过了售后期："
            "按 %(rate)s%% 现金返利 ¥%(amount)s，已存入您的账户余额。"
        )
    notify(user=attribution.sharer, title=title, body=body % facts, link="/me/referrals/")


# ---------------------------------------------------------------- reseller rights


def _grant_reseller_if_earned(attribution: Attribution, programme: ReferralProgramme) -> None:
    buyers = (
        Attribution.objects.filter(
            sharer_id=attribution.sharer_id,
            merchant_id=attribution.merchant_id,
            product_id=attribution.product_id,
            kind=Kind.REBATE,
            status=Status.CREDITED,
        )
        .values("buyer_id")
        .distinct()
        .count()
    )
    if buyers >= programme.reseller_threshold:
        grant_reseller(
            user=attribution.sharer, merchant=attribution.merchant, product=attribution.product
        )


def _own_purchase(user, merchant, product) -> tuple[Order, Decimal] | None:
    """The sharer's earliest paid order of the product with money still refundable."""
    orders = (
        Order.objects.filter(
            shopper=user,
            merchant=merchant,
            status__in=OWN_PURCHASE_STATUSES,
            lines__sku__product=product,
        )
        .distinct()
        .order_by("paid_at", "pk")
    )
    for order in orders:
        price = money_total(
            order.lines.filter(sku__product=product).values_list("line_total", flat=True)
        )
        amount = min(price, order.total - order.amount_refunded)
        if amount > ZERO:
            return order, amount
    return None


def grant_reseller(*, user, merchant, product) -> Reseller | None:
    """Reseller rights with `merchant`, and the price of the sharer's own purchase of
    `product` refunded through its original payment route. Granted once."""
    try:
        with transaction.atomic():
            reseller = Reseller.objects.create(
                user=user, merchant=merchant, qualifying_product=product
            )
    except IntegrityError:
        return None
    own = _own_purchase(user, merchant, product)
    refunded = ZERO
    if own is not None:
        order, amount = own
        try:
            refund = payments.refund(
                intent=PaymentIntent.objects.get(public_id=order.payment_intent_id),
                amount=amount,
                reason=_("推荐达标，返还自购款"),
                idempotency_key=f"reseller-reward:{reseller.public_id}",
            )
        except DomainError:  # the route refused (e.g. closed): the rights stand regardless
            logger.exception("reseller reward refund failed for %s", reseller.public_id)
        else:
            refunded = amount
            Reseller.objects.filter(pk=reseller.pk).update(
                reward_order=order, reward_amount=amount, reward_refund_id=refund.public_id
            )
    programme = programme_of(merchant)
    tiers = "；".join(
        (
            _("每月 %(n)s 单以内 %(rate)s%%") % {"n": t["up_to"], "rate": percent_of(t["rate"])}
            if t["up_to"]
            else _("以上 %(rate)s%%") % {"rate": percent_of(t["rate"])}
        )
        for t in programme.tiers
    )
    body = _("您推荐的好友已有 %(n)s 位购买了「%(product)s」，您获得「%(merchant)s」的销售权。") % {
        "n": programme.reseller_threshold,
        "product": product.name,
        "merchant": merchant.name,
    }
    if refunded:
        body += _("您自购该商品的 ¥%(amount)s 已原路退还。") % {"amount": refunded}
    body += _("此后经您分享成交的订单按阶梯提成：%(tiers)s。") % {"tiers": tiers}
    notify(user=user, title=_("获得销售权"), body=body, link="/me/referrals/")
    reseller.refresh_from_db()
    return reseller


# ---------------------------------------------------------------- refunds


@transaction.atomic
def apply_refund(*, order_id: str) -> list[Attribution]:
    """Called on `OrderRefunded`: each attributed sale keeps only the share of its base
    that was not refunded. Computed from the order's cumulative refund (less the reseller
    rewards refunded on it, which are not returns), so a redelivery changes nothing."""
    order = Order.objects.filter(public_id=order_id).first()
    if order is None or order.total <= ZERO:
        return []
    pks = Attribution.objects.filter(order=order).exclude(status=Status.REVERSED)
    locked = lock_in_pk_order(pks)
    if not locked:
        return []
    rewards = money_total(
        Reseller.objects.filter(reward_order=order).values_list("reward_amount", flat=True)
    )
    returned = max(ZERO, order.amount_refunded - rewards)
    kept_share = max(ZERO, order.total - returned) / order.total
    changed = []
    for row in locked:
        attribution = Attribution.objects.select_related("sharer", "merchant", "product").get(
            pk=row.pk
        )
        kept = min(
            attribution.kept_base, (attribution.base * kept_share).quantize(CENT, ROUND_DOWN)
        )
        if kept < attribution.kept_base:
            _reduce(attribution, kept, order)
            changed.append(attribution)
    return changed


def _reduce(attribution: Attribution, kept: Decimal, order: Order) -> None:
    now = timezone.now()
    changes: dict = {"kept_base": kept, "updated_at": now}
    if kept <= ZERO:
        changes.update(status=Status.REVERSED, reversed_at=now)
    take = ZERO
    if attribution.status == Status.CREDITED:
        take = attribution.net_amount - _share(kept, attribution.rate)
        changes["clawed_back"] = plus("clawed_back", take)
    net_before = attribution.net_amount
    Attribution.objects.filter(pk=attribution.pk).update(**changes)
    attribution.refresh_from_db()
    facts = {"order": order.number, "product": attribution.product.name}
    if take > ZERO:
        owed = _claw_back(attribution, take, net_before)
        facts.update(take=take, owed=fen_to_yuan(owed) if attribution.form == Form.CASH else owed)
        if owed and attribution.form == Form.POINTS:
            body = _(
                "订单 %(order)s（「%(product)s」）发生退款，已发放的返利应退回 ¥%(take)s；"
                "您的积分不足，尚欠 %(owed)s 积分，将从后续收益中扣回。"
            )
        elif owed:
            body = _(
                "订单 %(order)s（「%(product)s」）发生退款，已发放的返利/提成应退回 ¥%(take)s；"
                "余额不足，尚欠 ¥%(owed)s，将从后续收益中扣回。"
            )
        else:
            body = _(
                "订单 %(order)s（「%(product)s」）发生退款，已发放的返利/提成 ¥%(take)s 已扣回。"
            )
    elif attribution.status == Status.REVERSED:
        body = _("订单 %(order)s（「%(product)s」）已退款，对应的待结算返利已取消。")
    else:
        body = _("订单 %(order)s（「%(product)s」）部分退款，待结算返利按实付金额相应减少。")
    notify(user=attribution.sharer, title=_("返利调整"), body=body % facts, link="/me/referrals/")


def _claw_back(attribution: Attribution, take: Decimal, net_before: Decimal) -> int:
    """Take `take` back from where the reward went; returns what is still owed (minor
    units) after recovering what the account holds now."""
    fund = funds.merchant_fund(attribution.merchant)
    if attribution.kind == Kind.COMMISSION:
        reseller = Reseller.objects.get(user=attribution.sharer, merchant=attribution.merchant)
        if attribution.released_at is None:  # still frozen: the money is right there
            ledger.post(
                debit=funds.frozen_commission(reseller),
                credit=fund,
                amount=yuan_to_fen(take),
                idempotency_key=f"clawback:{attribution.public_id}:{attribution.clawed_back}",
                kind="referral_clawback",
                reference=f"order:{attribution.order.public_id}",
            )
            return 0
        return _open_debt(attribution, funds.withdrawable_commission(reseller), fund, take)
    if attribution.form == Form.POINTS:
        points = attribution.points
        net_after = attribution.net_amount
        owed_points = int(points * net_before / attribution.amount) - int(
            points * net_after / attribution.amount
        )
        return _open_debt(
            attribution, points_account(attribution.sharer), points_issuer(), owed_points
        )
    return _open_debt(attribution, funds.wallet(attribution.sharer), fund, yuan_to_fen(take))


def _open_debt(attribution: Attribution, account: Account, fund: Account, amount) -> int:
    minor = amount if isinstance(amount, int) else yuan_to_fen(amount)
    if minor <= 0:
        return 0
    debt = Debt.objects.create(
        attribution=attribution, user=attribution.sharer, account=account, fund=fund, amount=minor
    )
    recover_debts(account=account)
    debt.refresh_from_db()
    return debt.outstanding


class _Raced(Exception):
    """Another recovery moved the same debt first."""


def recover_debts(*, account: Account) -> int:
    """Pay open debts on `account` from what it holds now, oldest first; returns the minor
    units recovered. What cannot be taken now waits for the next earnings."""
    recovered = 0
    for debt in Debt.objects.filter(account=account, recovered__lt=F("amount")).select_related(
        "user", "account__asset"
    ):
        balance = ledger_reads.balance(account)
        take = min(debt.outstanding, balance)
        if take <= 0:
            break
        key = f"debt:{debt.public_id}:{debt.recovered}"
        try:
            with transaction.atomic():
                if account.asset.code == ledger.PLATFORM_POINTS:
                    reclaim_points(user=debt.user, points=take, reason="debt", idempotency_key=key)
                else:
                    ledger.post(
                        debit=account,
                        credit=debt.fund,
                        amount=take,
                        idempotency_key=key,
                        kind="referral_debt_recovery",
                        reference=f"debt:{debt.public_id}",
                    )
                moved = Debt.objects.filter(pk=debt.pk, recovered=debt.recovered).update(
                    recovered=F("recovered") + take
                )
                if not moved:
                    raise _Raced
        except (Conflict, _Raced):  # spent meanwhile, or recovered by someone else
            break
        recovered += take
    return recovered
