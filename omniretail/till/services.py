"""Ringing up a sale at the till: orders sells (orders.till.sell), this records who took
it, the cash handed over and the change, and the points the receipt prints, in the sale's
own transaction, so a refused sale leaves no record either."""

from django.db import transaction

from omniretail.orders import till as orders_till
from omniretail.till.models import TillSale


@transaction.atomic
def ring_up(
    *,
    staff,
    store,
    lines,
    member: str = "",
    shopper=None,
    payment: str = "cash",
    cash_tendered=None,
) -> TillSale:
    order, priced = orders_till.sell(
        staff=staff,
        store=store,
        lines=lines,
        member=member,
        shopper=shopper,
        payment=payment,
        cash_tendered=cash_tendered,
    )
    tendered = orders_till.check_tendered(cash_tendered, order.total) if payment == "cash" else None
    return TillSale.objects.create(
        order=order,
        store=store,
        staff=staff,
        payment=payment,
        tendered=tendered,
        change=orders_till.change_for(tendered, order.total),
        points=priced.points,
    )
