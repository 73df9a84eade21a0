"""Ringing up a sale at the till: orders sells (orders.till.sell), this records who took
it, the cash handed over and the change, and the points the receipt prints, in the sale's
own transaction, so a refused sale leaves no record either."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import require_role
from omniretail.core.errors import Conflict, field_error
from omniretail.orders import services as orders
from omniretail.orders import till as orders_till
from omniretail.orders.models import Order
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.terminals import selectors as terminals
from omniretail.terminals import services as terminal_services
from omniretail.till.models import TillSale

CARD = TillSale.Payment.CARD


def ring_up(
    *,
    staff,
    store,
    lines,
    member: str = "",
    shopper=None,
    payment: str = "cash",
    cash_tendered=None,
    key: str | None = None,
    auth_code: str = "",
    terminal: str = "",
    coupon: str = "",
    points=None,
    points_asset: str = "offline",
) -> TillSale:
    """Sell once per `key`: the same key again (or racing) gets the first sale back, and
    the racing attempt's order, stock and payment roll back on the key's unique index.

    With a payment code (`auth_code`, 付款码) the provider is charged at once: paid, the
    order completes; refused, nothing is written; waiting for the payer's password, the
    sale is kept awaiting payment and the receipt page asks until it is final
    (`check_payment`). With a card, the sale is sent to the chosen `terminal` and the order
    completes when the terminal reports it approved. The member's `coupon` and a points
    offset (`points` of `points_asset`) are taken as `orders.till.sell` says."""
    if key and (done := _sale_for_key(key, store)) is not None:
        return done
    try:
        return _ring_up(
            staff=staff,
            store=store,
            lines=lines,
            member=member,
            shopper=shopper,
            payment=payment,
            cash_tendered=cash_tendered,
            key=key or None,
            auth_code=auth_code,
            terminal=terminal,
            coupon=coupon,
            points=points,
            points_asset=points_asset,
        )
    except IntegrityError:
        if key and (done := _sale_for_key(key, store)) is not None:
            return done
        raise


def _sale_for_key(key: str, store) -> TillSale | None:
    return TillSale.objects.select_related("order").filter(key=key, store=store).first()


@transaction.atomic
def _ring_up(
    *,
    staff,
    store,
    lines,
    member,
    shopper,
    payment,
    cash_tendered,
    key,
    auth_code,
    terminal,
    coupon,
    points,
    points_asset,
) -> TillSale:
    device = None
    if payment == CARD:
        if not terminal:
            raise field_error("terminal", _("请选择收款终端。"))
        device = terminals.terminal_for_staff(staff, terminal)
    order, priced = orders_till.sell(
        staff=staff,
        store=store,
        lines=lines,
        member=member,
        shopper=shopper,
        payment=payment,
        cash_tendered=cash_tendered,
        coupon=coupon,
        points=points,
        points_asset=points_asset,
    )
    tendered = orders_till.check_tendered(cash_tendered, order.total) if payment == "cash" else None
    if payment not in orders_till.PAYMENTS:
        intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
        if device is not None:
            terminal_services.send_sale(staff=staff, terminal=device, intent=intent)
        else:
            state = payments.pay_with_code(intent=intent, auth_code=auth_code)
            if state.status == "closed":
                raise Conflict(
                    _("付款码支付未成功，请让顾客刷新付款码后重试，或换一种方式付款。"),
                    code="payment_code_refused",
                )
    return TillSale.objects.create(
        order=order,
        store=store,
        staff=staff,
        payment=payment,
        tendered=tendered,
        change=orders_till.change_for(tendered, order.total),
        points=priced.points,
        offset=_offset_row(priced.offset),
        key=key,
    )


def _offset_row(offset) -> dict:
    if offset is None:
        return {}
    return {
        "asset": offset.asset_code,
        "points": offset.points,
        "value": str(offset.value),
        "posting": offset.posting,
    }


def check_payment(sale: TillSale) -> TillSale:
    """Ask once more about a sale still awaiting its payment code (the payer enters a
    password): the provider's final answer pays the order (through its event) or fails it."""
    intent = PaymentIntent.objects.get(public_id=sale.order.payment_intent_id)
    if sale.payment != CARD:  # a card terminal tells; a payment code is asked
        payments.poll_payment(intent=intent)
    sale.order.refresh_from_db()
    return sale


def cancel_sale(*, staff, sale: TillSale) -> TillSale:
    """The payer gave up (wrong password, no money on the card): the unpaid sale's goods go
    back and its payment is withdrawn at the provider; a paid sale is refunded instead."""
    require_role(staff, sale.store.merchant)
    if sale.order.status != Order.Status.PENDING_PAYMENT:
        raise Conflict(_("该笔销售已付款或已取消。"), code="sale_not_pending")
    orders.cancel_order(order=sale.order, actor=staff, reason=_("收银台取消：顾客未完成付款"))
    sale.order.refresh_from_db()
    return sale
