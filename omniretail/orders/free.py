"""Free orders: goods given away (a merchandising sample) go out as an ordinary order at 0
price, for pickup or delivery like any checkout (`resolve_fulfilment` checks the store, the
slot or the address), so the store prepares, hands over or delivers them on its usual
pages. With nothing to pay the order is paid at once; like a points pickup it publishes no
OrderPaid (nothing was bought with money, so it earns no points or rebates)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.catalog.models import Sku
from omniretail.core.money import ZERO
from omniretail.notifications.services import notify
from omniretail.orders import delivery
from omniretail.orders.models import Order
from omniretail.orders.pickup import issue_pickup_code
from omniretail.orders.services import (
    Fulfilment,
    _check_fulfilment,
    _commit_stock,
    _create_order,
    _hold_lines,
    _merge_lines,
    _slot_fields,
)
from omniretail.orders.state import transition

F_ = Order.Fulfilment
SAMPLE = "sample"  # the payment_provider of a merchandising sample's order


@transaction.atomic
def place_free_order(
    *, shopper, sku: Sku, fulfilment: Fulfilment, provider: str, note: str = ""
) -> Order:
    """One unit of `sku` at 0 price from the fulfilment's store, paid at once: its stock
    leaves the shelf (refused as a whole when the store has none), a pickup gets its code,
    a delivery waits for a rider. `provider` names what paid for it ("sample")."""
    _check_fulfilment(fulfilment)
    lines = _merge_lines([(sku, 1)])
    merchant = fulfilment.store.merchant if fulfilment.store else fulfilment.location.organization
    order = _create_order(
        shopper=shopper,
        merchant=merchant,
        store=fulfilment.store,
        location=fulfilment.location,
        fulfilment=fulfilment.kind,
        **_slot_fields(fulfilment),
        delivery_address=fulfilment.address or {},
        subtotal=ZERO,
        total=ZERO,
        payment_provider=provider,
        note=note[:200],
    )
    _hold_lines(order, lines, unit_price=ZERO)
    transition(order, Order.Status.PAID, note=note[:200], paid_at=timezone.now())
    _commit_stock(order)
    if order.fulfilment == F_.PICKUP:
        issue_pickup_code(order=order)
    elif order.fulfilment == F_.DELIVERY and order.store_id:
        delivery.open_delivery(order, fulfilment.distance_m)
    notify(
        organization=order.merchant,
        title=_("免费试用订单 %(number)s") % {"number": order.number},
        body=_("%(kind)s，0 元，请及时备货。") % {"kind": order.get_fulfilment_display()},
        link=f"/merchant/orders/{order.public_id}/",
    )
    return order
