"""Refunds at the till (退货退款): the whole sale or some of its lines come back, the money
goes back the way it was paid (cash out of the drawer, the member's balance, the payment
code through its provider), the goods go back on the store's shelf, the points the sale
earned are taken back (earning, on `OrderRefunded`) and each refund returns its goods'
share of the points offset (the last refund the rest). Once per key: the same key again
answers the first refund.

A clerk (店员, 客服) refunds up to `CLERK_LIMIT` alone; above it a manager or the owner
signs the refund with their own account and password at the till (or does it
themselves)."""

from decimal import ROUND_DOWN, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from omniretail.accounts import services as accounts
from omniretail.accounts.models import Membership
from omniretail.accounts.selectors import require_role
from omniretail.core.errors import (
    Conflict,
    NotAuthenticated,
    PermissionDenied,
    RateLimited,
    field_error,
)
from omniretail.core.money import CENT, ZERO, money
from omniretail.loyalty import services as loyalty
from omniretail.orders import aftersales
from omniretail.orders.models import Order
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.till.models import TillRefund, TillSale

CLERK_LIMIT = Decimal("200.00")
APPROVERS = (Membership.Role.OWNER, Membership.Role.MANAGER)
MAX_KEY = TillRefund._meta.get_field("key").max_length


def refund_sale(
    *,
    staff,
    sale: TillSale,
    key: str,
    lines: dict[str, int] | None = None,
    reason: str = "",
    approver: str = "",
    approver_password: str = "",
) -> TillRefund:
    """Refund `lines` ({SKU id: quantity}) of the sale, or all that is left of it (None).
    Refusals: no key 422, a line not in the sale or more than is left 422, an unpaid or
    cancelled sale 409, nothing left to refund 409, a clerk above the limit without a
    manager's sign-off 403."""
    key = (key or "").strip()
    if not key or len(key) > MAX_KEY:
        raise field_error("key", _("退款需要一个不超过 64 个字符的幂等键。"))
    require_role(staff, sale.store.merchant)
    if (done := _refund_for_key(key, sale)) is not None:
        return done
    try:
        return _refund(
            staff=staff,
            sale=sale,
            key=key,
            lines=lines,
            reason=(reason or "").strip()[:200],
            approver=approver,
            approver_password=approver_password,
        )
    except IntegrityError:
        if (done := _refund_for_key(key, sale)) is not None:
            return done
        raise


def _refund_for_key(key: str, sale: TillSale) -> TillRefund | None:
    done = TillRefund.objects.filter(key=key).first()
    if done is not None and done.sale_id != sale.pk:
        raise Conflict(_("该幂等键已用于另一笔退款。"), code="idempotency_key_reused")
    return done


def refunded_quantities(sale: TillSale) -> dict[str, int]:
    """SKU id -> units of the sale already refunded at the till."""
    done: dict[str, int] = {}
    for refund in sale.refunds.all():
        for line in refund.lines:
            done[line["sku"]] = done.get(line["sku"], 0) + line["quantity"]
    return done


def _wanted(order: Order, lines: dict[str, int] | None) -> list[tuple]:
    """(order line, quantity) to take back, each within what the line still holds."""
    held = {line.sku.public_id: line for line in order.lines.select_related("sku")}
    if lines is None:
        wanted = [(ln, ln.quantity - ln.quantity_returned) for ln in held.values()]
        return [(ln, q) for ln, q in wanted if q > 0]
    picked = []
    for sku_id, quantity in lines.items():
        line = held.get(sku_id)
        if line is None:
            raise field_error("lines", _("该小票中没有这件商品。"))
        left = line.quantity - line.quantity_returned
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise field_error("lines", _("退货数量须为正整数。"))
        if quantity > left:
            raise field_error(
                "lines",
                _("“%(name)s”最多可退 %(left)s 件。") % {"name": line.product_name, "left": left},
            )
        if quantity:
            picked.append((line, quantity))
    return picked


def _amount(order: Order, wanted, refunded: Decimal) -> tuple[Decimal, bool]:
    """What the lines cost after the sale's discounts (their share, rounded down to the
    fen); the refund that takes back the last goods returns all that is left, so the
    refunds of a sale add up to its total exactly. Returns (amount, last)."""
    left = {line.pk: line.quantity - line.quantity_returned for line in order.lines.all()}
    for line, quantity in wanted:
        left[line.pk] -= quantity
    if not any(left.values()):
        return money(order.total - refunded), True
    goods = sum((line.line_total * quantity / line.quantity for line, quantity in wanted), ZERO)
    share = goods * order.total / order.subtotal if order.subtotal else ZERO
    return share.quantize(CENT, rounding=ROUND_DOWN), False


def _offset_share(sale: TillSale, order: Order, wanted, last: bool) -> int:
    """Points of the sale's offset (积分抵扣) this refund returns: the offset's share of
    all goods refunded so far, rounded down, less what earlier refunds returned; the
    refund of the last goods returns the rest, so the refunds return the offset exactly.
    Read before this refund's goods are taken back."""
    offset = sale.offset.get("points", 0) if sale.offset.get("posting") else 0
    if not offset:
        return 0
    returned = sum(r.points_returned.get(sale.offset["asset"], 0) for r in sale.refunds.all())
    if last or not order.subtotal:
        return offset - returned
    now = {line.pk: quantity for line, quantity in wanted}
    goods = sum(
        (
            line.line_total * (line.quantity_returned + now.get(line.pk, 0)) / line.quantity
            for line in order.lines.all()
        ),
        ZERO,
    )
    return int(offset * goods / order.subtotal) - returned


def _approve(staff, merchant, amount: Decimal, approver: str, password: str):
    """Who signs a refund above the clerk's limit: the acting manager or owner, else the
    manager or owner whose account and password are entered at the till."""
    if amount <= CLERK_LIMIT or require_role(staff, merchant).role in APPROVERS:
        return None
    refused = _("超过 ¥%(limit)s 的退款需要经理或店主授权：请输入其账号和密码。") % {
        "limit": CLERK_LIMIT
    }
    if not approver or not password:
        raise PermissionDenied(refused, code="approval_required", fields={"approver": refused})
    try:
        user = accounts.password_login(username=approver, password=password)
    except (NotAuthenticated, RateLimited) as exc:
        raise PermissionDenied(
            exc.message, code="approval_refused", fields={"approver_password": exc.message}
        ) from None
    try:
        require_role(user, merchant, roles=APPROVERS)
    except PermissionDenied:
        message = _("授权人不是本商家的经理或店主。")
        raise PermissionDenied(
            message, code="approval_refused", fields={"approver": message}
        ) from None
    return user


@transaction.atomic
def _refund(*, staff, sale, key, lines, reason, approver, approver_password) -> TillRefund:
    sale = (
        TillSale.objects.select_for_update()
        .select_related("order", "store__merchant")
        .get(pk=sale.pk)
    )  # one refund of a sale at a time: quantities and amounts are decided under it
    order = sale.order
    if order.status != Order.Status.COMPLETED:
        raise Conflict(_("该笔销售未付款或已退款，无法退款。"), code="sale_not_refundable")
    wanted = _wanted(order, lines)
    if not wanted and lines is None:
        raise Conflict(_("该笔销售已全部退款。"), code="sale_refunded")
    if not wanted:
        raise field_error("lines", _("没有可退的商品：请选择要退的商品和数量。"))
    refunded = sale.refunds.aggregate(s=Sum("amount"))["s"] or ZERO
    amount, last = _amount(order, wanted, refunded)
    points = _offset_share(sale, order, wanted, last)
    signer = _approve(staff, sale.store.merchant, amount, approver, approver_password)
    refund = TillRefund.objects.create(
        sale=sale,
        staff=staff,
        approved_by=signer,
        key=key,
        amount=amount,
        reason=reason,
        lines=[
            {"sku": line.sku.public_id, "name": line.product_name, "quantity": quantity}
            for line, quantity in wanted
        ],
    )
    if amount:
        paid = payments.refund(
            intent=PaymentIntent.objects.get(public_id=order.payment_intent_id),
            amount=amount,
            reason=reason or _("门店退货"),
            idempotency_key=f"till-refund:{key}",
            requested_by=staff,
        )
        refund.payment_refund = paid.public_id
    for line, quantity in wanted:
        aftersales.take_back(
            order=order, line=line, quantity=quantity, reference=refund.public_id, actor=staff
        )
    if points:
        loyalty.refund_spend(
            posting_id=sale.offset["posting"],
            points=points,
            idempotency_key=f"till-refund-points:{key}",
            reason=_("门店退货 %(number)s 退回抵扣积分") % {"number": order.number},
        )
        refund.points_returned = {sale.offset["asset"]: points}
    if sale.payment == TillSale.Payment.CASH and amount:
        refund.drawer_note = _("从钱箱取出现金 ¥%(amount)s 退给顾客（小票 %(number)s）") % {
            "amount": amount,
            "number": order.number,
        }
    refund.save(update_fields=["payment_refund", "points_returned", "drawer_note"])
    return refund
