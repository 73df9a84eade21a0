"""Ringing up a sale at the till: orders sells (orders.till.sell), this records who took
it, the cash handed over and the change, and the points the receipt prints, in the sale's
own transaction, so a refused sale leaves no record either."""

from django.db import IntegrityError, transaction

from omniretail.orders import till as orders_till
from omniretail.till.models import TillSale


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
) -> TillSale:
    """Sell once per `key`: the same key again (or racing) gets the first sale back, and
    the racing attempt's order, stock and payment roll back on the key's unique index."""
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
        )
    except IntegrityError:
        if key and (done := _sale_for_key(key, store)) is not None:
            return done
        raise


def _sale_for_key(key: str, store) -> TillSale | None:
    return TillSale.objects.select_related("order").filter(key=key, store=store).first()


@transaction.atomic
def _ring_up(*, staff, store, lines, member, shopper, payment, cash_tendered, key) -> TillSale:
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
        key=key,
    )
