"""The store's 核销 of a pickup order completes a points-mall voucher."""

from omniretail.core.events import subscribe
from omniretail.orders.events import OrderStatusChanged
from omniretail.pointsmall import services


@subscribe(OrderStatusChanged)
def voucher_collected(event: OrderStatusChanged) -> None:
    if event.to_status == "completed":
        services.mark_redeemed(order_id=event.order_id)
