"""Points pickups: goods bought with points (and perhaps some cash) in the points mall are
held at a store as an ordinary pickup order with the usual pickup code, so the store's staff
hand them over on the same 核销 page. With no cash to pay, the order is paid at once and
publishes no OrderPaid (nothing was bought with money, so it earns no points or rebates);
with cash, it waits for payment like any checkout and `mark_paid` does the rest."""

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
from omniretail.orders.models import Order, OrderLine
from omniretail.orders.pickup import issue_pickup_code
from omniretail.orders.services import (
    ONLINE_PROVIDERS,
    _create_order,
    _merge_lines,
    payment_window,
)
from omniretail.orders.state import transition
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent

S = Order.Status
PROVIDER = "points"


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
    """Reserve the goods at the store (refused as a whole when short). Without cash they
    leave the free stock at once and the pickup code is issued; with cash the order waits
    for payment, its reservation lasting the payment window."""
    if store is None or not store.is_active:
        raise field_error("store", _("请选择门店。"))
    cash = money(cash)
    if cash and payment_provider not in ONLINE_PROVIDERS:
        raise field_error("payment_provider", _("不支持的支付方式。"))
    location = inventory.location_for_store(store)
    merged = _merge_lines([(sku, quantity)])
    reference = new_public_id()
    unpaid = {}
    if cash:
        expires_at = timezone.now() + payment_window()
        intent = payments.create_intent(
            purpose="order",
            reference=reference,
            amount=cash,
            payer=shopper,
            provider=payment_provider,
            payee=store.merchant,
            expires_at=expires_at,
        )
        unpaid = {"payment_intent_id": intent.public_id, "expires_at": expires_at}
    order = _create_order(
        public_id=reference,
        shopper=shopper,
        merchant=store.merchant,
        store=store,
        location=location,
        fulfilment=Order.Fulfilment.PICKUP,
        subtotal=cash,
        total=cash,
        payment_provider=payment_provider if cash else PROVIDER,
        note=note[:200],
        **unpaid,
    )
    reservations = inventory.reserve_lines(
        location=location,
        lines=merged,
        reference=order.public_id,
        ttl=payment_window() + timedelta(minutes=5) if cash else None,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            sku=line_sku,
            product_name=line_sku.product.name,
            sku_name=line_sku.name,
            unit_price=cash,
            quantity=line_quantity,
            line_total=cash,
            reservation=reservation,
        )
        for (line_sku, line_quantity), reservation in zip(merged, reservations, strict=True)
    )
    if cash:
        return order
    transition(order, S.PAID, note=note[:200], paid_at=timezone.now())
    for reservation in reservations:
        inventory.commit_reservation(reservation=reservation)
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
