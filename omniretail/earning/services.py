"""Points for paid orders and their claw-back on refunds, driven by orders' outbox events.
Each earn rule pays in the asset its merchant chose: platform points issued against the
selling merchant, or the merchant's own offline points (seed 003), so one order may earn
both and keeps one `OrderAward` per asset."""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.catalog.models import Sku
from omniretail.core import inserts, reads
from omniretail.loyalty import services
from omniretail.loyalty.models import OrderAward
from omniretail.orders import selectors
from omniretail.orders.models import Order, OrderLine

PTS = services.PLATFORM_POINTS


def points_for_order(order: Order) -> dict[str, int]:
    """What the order earns per asset code (loyalty.services.points_for_purchase)."""
    lines = reads.fetch(
        f"SELECT s.product_id, l.quantity FROM {reads.table(OrderLine)} l"
        f" JOIN {reads.table(Sku)} s ON s.id = l.sku_id WHERE l.order_id = %s ORDER BY l.id",
        [order.pk],
    )
    return services.points_for_purchase(org=order.merchant, lines=lines, amount=order.total)


def award_for_order(*, order_id: str) -> list[OrderAward]:
    """Award a paid order's points once: the awards' rows say it was done (an order that
    earns nothing keeps one empty platform row)."""
    order = selectors.order_with_parties(order_id)
    if order is None or order.shopper is None:
        return []
    # no savepoint: its only caller, OrderPaid's handler, runs in the deliverer's savepoint
    with transaction.atomic(savepoint=False):
        existing = reads.where(OrderAward, "t0.order_id = %s ORDER BY t0.id", [order_id])
        if existing:
            return existing
        earned = {code: n for code, n in points_for_order(order).items() if n} or {PTS: 0}
        awards = []
        for code, points in sorted(earned.items()):
            if points:
                services.award_points(
                    user=order.shopper,
                    asset_code=code,
                    points=points,
                    reason=_("订单 %(number)s") % {"number": order.number},
                    idempotency_key=f"order:{order_id}" + ("" if code == PTS else f":{code}"),
                    source_org=order.merchant,
                )
            awards.append(
                OrderAward(
                    order_id=order_id,
                    user=order.shopper,
                    asset_code=code,
                    total=order.total,
                    points=points,
                )
            )
        inserts.insert(awards)  # one plain INSERT: every paid order writes at least one
        return awards


def claw_back_for_refund(*, order_id: str, amount: Decimal) -> list[OrderAward]:
    """Take back the refunded share of an order's points, in each asset it earned. Never
    below zero: what the member has already spent (or lost to expiry) is recorded as the
    shortfall, not forced."""
    with transaction.atomic():
        awards = list(
            OrderAward.objects.select_for_update().filter(order_id=order_id).order_by("id")
        )
        for award in awards:
            if award.points:
                _claw_back(award, amount)
        return awards


def _claw_back(award: OrderAward, amount: Decimal) -> None:
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
            order = Order.objects.select_related("merchant").get(public_id=award.order_id)
            suffix = "" if award.asset_code == PTS else f":{award.asset_code}"
            services.reclaim_points(
                user=award.user,
                asset_code=award.asset_code,
                points=take,
                reason=_("订单 %(number)s 退款") % {"number": order.number},
                idempotency_key=f"order-refund:{award.order_id}:{due_total}{suffix}",
                source_org=order.merchant,
            )
        award.clawed_back += take
        award.shortfall += due - take
    award.save(update_fields=["refunded", "clawed_back", "shortfall"])
