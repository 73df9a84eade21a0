"""Prepaid pickups: goods settled outside the cart (a points-mall redemption, a group-buy
seat won in a draw) are held at a store as an ordinary pickup order with the usual pickup
code, so the store's staff hand them over on the same 核销 page. A points order with no cash
to pay is paid at once and publishes no OrderPaid (nothing was bought with money, so it
earns no points or rebates); with cash, or paid by a group-buy seat's intent, `mark_paid`
does the rest as after a checkout."""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core.errors import field_error
from omniretail.core.ids import new_public_id
from omniretail.core.money import ZERO, money
from omniretail.inventory import services as inventory
from omniretail.notifications.services import notify
from omniretail.orders.models import Order
from omniretail.orders.pickup import issue_pickup_code
from omniretail.orders.services import (
    _commit_stock,
    _create_order,
    _hold_lines,
    _merge_lines,
    mark_paid,
    payment_window,
)
from omniretail.orders.state import transition
from omniretail.payments import selectors as payment_selectors
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent

S = Order.Status
PROVIDER = "points"


def _hold_pickup(*, shopper, store, sku, quantity: int, unit_price: Decimal, ttl=None, **fields):
    """An order for `quantity` of one SKU at `unit_price`, its stock reserved at the store
    (refused as a whole when short); the callers decide how it gets paid."""
    if store is None or not store.is_active:
        raise field_error("store", _("请选择门店。"))
    location = inventory.location_for_store(store)
    ((sku, quantity),) = _merge_lines([(sku, quantity)])
    unit_price = money(unit_price)
    total = money(unit_price * quantity)
    order = _create_order(
        shopper=shopper,
        merchant=store.merchant,
        store=store,
        location=location,
        fulfilment=Order.Fulfilment.PICKUP,
        subtotal=total,
        total=total,
        **fields,
    )
    _hold_lines(order, [(sku, quantity)], ttl=ttl, unit_price=unit_price)
    return order


@transaction.atomic
def place_paid_pickup(
    *, shopper, store, sku, unit_price: Decimal, intent: PaymentIntent, note: str = ""
) -> Order:
    """One item whose price was agreed and paid through payments elsewhere (a group-buy
    seat won in a draw): held at the store and marked paid by the intent as after a
    checkout (pickup code issued, OrderPaid published), so the store redeems it at
    /merchant/redeem/."""
    order = _hold_pickup(
        shopper=shopper,
        store=store,
        sku=sku,
        quantity=1,
        unit_price=unit_price,
        payment_provider=intent.provider,
        payment_intent_id=intent.public_id,
        note=note[:200],
    )
    return mark_paid(order_id=order.public_id, intent_id=intent.public_id)


@transaction.atomic
def place_points_pickup(
    *,
    shopper,
    store,
    sku,
    quantity: int,
    note: str,
    cash: Decimal = ZERO,
    payment_provider: str = "sandbox_gateway",
) -> Order:
    """Without cash the goods leave the free stock at once and the pickup code is issued;
    with cash the order waits for payment, its reservation lasting the payment window."""
    cash = money(cash)
    if cash and payment_provider not in payment_selectors.method_names():
        raise field_error("payment_provider", _("不支持的支付方式。"))
    reference = new_public_id()
    unpaid = {}
    if cash:
        expires_at = timezone.now() + payment_window()
        intent = payments.create_intent(
            purpose="order",
            reference=reference,
            amount=cash * quantity,
            payer=shopper,
            provider=payment_provider,
            payee=store.merchant if store is not None else None,
            expires_at=expires_at,
        )
        unpaid = {"payment_intent_id": intent.public_id, "expires_at": expires_at}
    order = _hold_pickup(
        shopper=shopper,
        store=store,
        sku=sku,
        quantity=quantity,
        unit_price=cash,
        ttl=payment_window() + timedelta(minutes=5) if cash else None,
        public_id=reference,
        payment_provider=payment_provider if cash else PROVIDER,
        note=note[:200],
        **unpaid,
    )
    if cash:
        return order
    transition(order, S.PAID, note=note[:200], paid_at=timezone.now())
    _commit_stock(order)
    issue_pickup_code(order=order)
    notify(
        organization=order.merchant,
        title=_("积分兑换待自提 %(number)s") % {"number": order.number},
        body=note[:200],
        link=f"/merchant/orders/{order.public_id}/",
    )
    return order


@transaction.atomic
def void_points_pickup(*, order: Order, reason: str) -> Order:
    """Never collected: the order closes as refunded, its goods go back on the shelf and any
    cash paid goes back the way it came; the caller gives back the points. Refused
    (IllegalTransition) once handed over."""
    if order.status == S.READY_FOR_PICKUP:
        transition(order, S.REFUND_REQUESTED, note=reason)
    transition(order, S.REFUNDED, note=reason)
    for line in order.lines.select_related("sku"):
        inventory.return_stock(
            location=order.location, sku=line.sku, quantity=line.quantity, reference=order.public_id
        )
    if order.total:
        payments.refund(
            intent=PaymentIntent.objects.get(public_id=order.payment_intent_id),
            amount=order.total,
            reason=reason,
            idempotency_key=f"points-pickup-void:{order.public_id}",
        )
    return order
