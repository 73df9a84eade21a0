"""Points for paid orders and their claw-back on refunds, driven by orders' outbox events.
Order points are platform points issued against the selling merchant."""

from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.loyalty import services
from omniretail.loyalty.models import EarnRule, OrderAward
from omniretail.orders.models import Order

PTS = services.PLATFORM_POINTS


def points_for_order(order: Order) -> int:
    """Per-item rules (a product's own rule beats the merchant's, quantity tiers apply to
    identical items) plus the merchant's per-yuan rule on the amount paid."""
    total = 0
    for line in order.lines.select_related("sku__product"):
        rule = services.rule_for(
            kind=EarnRule.Kind.PER_ITEM, org=order.merchant, product=line.sku.product
        )
        if rule is not None:
            total += services.points_for_items(rule, line.quantity)
    per_yuan = services.rule_for(kind=EarnRule.Kind.PER_YUAN, org=order.merchant)
    if per_yuan is not None:
        total += int(order.total.to_integral_value(rounding=ROUND_FLOOR)) * per_yuan.points
    return total


def award_for_order(*, order_id: str) -> OrderAward | None:
    order = Order.objects.select_related("merchant", "shopper").filter(public_id=order_id).first()
    if order is None or order.shopper is None:
        return None
    with transaction.atomic():
        existing = OrderAward.objects.filter(order_id=order_id).first()
        if existing is not None:
            return existing
        points = points_for_order(order)
        if points:
            services.award_points(
                user=order.shopper,
                asset_code=PTS,
                points=points,
                reason=_("订单 %(number)s") % {"number": order.number},
                idempotency_key=f"order:{order_id}",
                source_org=order.merchant,
            )
        return OrderAward.objects.create(
            order_id=order_id, user=order.shopper, asset_code=PTS, total=order.total, points=points
        )


def claw_back_for_refund(*, order_id: str, amount: Decimal) -> OrderAward | None:
    """Take back the refunded share of an order's points. Never below zero: what the member
    has already spent (or lost to expiry) is recorded as the shortfall, not forced."""
    with transaction.atomic():
        award = OrderAward.objects.select_for_update().filter(order_id=order_id).first()
        if award is None or award.points == 0:
            return award
        refunded = min(award.total, award.refunded + Decimal(amount))
        due_total = (
            award.points
            if refunded >= award.total
            else int(award.points * refunded / award.total)
            if award.total
            else 0
        )
        due = due_total - award.clawed_back - award.shortfall
        award.refunded = refunded
        if due > 0:
            account = services.wallet(award.user, award.asset_code)
            take = min(due, services.spendable(account), account.balance)
            if take:
                order = Order.objects.select_related("merchant").get(public_id=order_id)
                services.reclaim_points(
                    user=award.user,
                    asset_code=award.asset_code,
                    points=take,
                    reason=_("订单 %(number)s 退款") % {"number": order.number},
                    idempotency_key=f"order-refund:{order_id}:{due_total}",
                    source_org=order.merchant,
                )
            award.clawed_back += take
            award.shortfall += due - take
        award.save(update_fields=["refunded", "clawed_back", "shortfall"])
        return award
