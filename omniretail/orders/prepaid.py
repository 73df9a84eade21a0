"""Prepaid pickups: goods settled outside the payment route (a points-mall redemption) are
held at a store as an ordinary pickup order with the usual pickup code, so the store's staff
hand them over on the same 核销 page. Such an order publishes no OrderPaid: nothing was
bought with money, so it earns no points or rebates."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core.errors import field_error
from omniretail.core.money import ZERO
from omniretail.inventory import services as inventory
from omniretail.notifications.services import notify
from omniretail.orders.models import Order, OrderLine
from omniretail.orders.pickup import issue_pickup_code
from omniretail.orders.services import _create_order, _merge_lines
from omniretail.orders.state import transition

S = Order.Status
PROVIDER = "points"


@transaction.atomic
def place_points_pickup(*, shopper, store, sku, quantity: int, note: str) -> Order:
    """Reserve the goods at the store (refused as a whole when short), take them off the
    free stock at once as a paid order does, and issue the pickup code."""
    if store is None or not store.is_active:
        raise field_error("store", _("请选择门店。"))
    location = inventory.location_for_store(store)
    merged = _merge_lines([(sku, quantity)])
    order = _create_order(
        shopper=shopper,
        merchant=store.merchant,
        store=store,
        location=location,
        fulfilment=Order.Fulfilment.PICKUP,
        subtotal=ZERO,
        total=ZERO,
        payment_provider=PROVIDER,
        note=note[:200],
    )
    reservations = inventory.reserve_lines(
        location=location, lines=merged, reference=order.public_id
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            sku=line_sku,
            product_name=line_sku.product.name,
            sku_name=line_sku.name,
            unit_price=ZERO,
            quantity=line_quantity,
            line_total=ZERO,
            reservation=reservation,
        )
        for (line_sku, line_quantity), reservation in zip(merged, reservations, strict=True)
    )
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
    """Never collected: the order closes as refunded and its goods go back on the shelf;
    the caller gives back what was paid. Refused (IllegalTransition) once handed over."""
    if order.status == S.READY_FOR_PICKUP:
        transition(order, S.REFUND_REQUESTED, note=reason)
    transition(order, S.REFUNDED, note=reason)
    for line in order.lines.select_related("sku"):
        inventory.return_stock(
            location=order.location, sku=line.sku, quantity=line.quantity, reference=order.public_id
        )
    return order
