"""The order state machine: one table of legal moves, one function that makes them with a
conditional UPDATE (so two racing actors cannot both move the same order)."""

import functools

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core import events, inserts, reads
from omniretail.core.errors import Conflict
from omniretail.orders.events import OrderStatusChanged
from omniretail.orders.models import Order, OrderEvent

S = Order.Status
TRANSITIONS: dict[str, set[str]] = {
    S.PENDING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.READY_FOR_PICKUP, S.SHIPPED, S.COMPLETED, S.REFUND_REQUESTED, S.REFUNDED},
    S.READY_FOR_PICKUP: {S.COMPLETED, S.REFUND_REQUESTED},
    S.SHIPPED: {S.COMPLETED, S.REFUND_REQUESTED},
    S.COMPLETED: {S.REFUND_REQUESTED},
    # a rejected or partial refund returns the order to where it was
    S.REFUND_REQUESTED: {S.REFUNDED, S.PAID, S.READY_FOR_PICKUP, S.SHIPPED, S.COMPLETED},
    S.CANCELLED: set(),
    S.REFUNDED: set(),
}


class IllegalTransition(Conflict):
    code = "illegal_transition"


_FIELDS = {field.name: field for field in Order._meta.concrete_fields}


@functools.cache
def _move_sql(names: tuple[str, ...]) -> str:
    """The guarded status UPDATE setting `names` too (transition's conditional update)."""
    qn = connection.ops.quote_name
    sets = "".join(f", {qn(str(_FIELDS[n].column))} = %s" for n in names)
    return f"UPDATE {reads.table(Order)} SET status = %s{sets} WHERE id = %s AND status = %s"


def transition(order: Order, to: str, *, actor=None, note: str = "", **fields) -> Order:
    """Move `order` to `to` or refuse; must run inside the caller's transaction."""
    current = order.status
    if to not in TRANSITIONS[current]:
        raise IllegalTransition(
            _("订单当前状态为「%(now)s」，不能变为「%(to)s」。")
            % {"now": S(current).label, "to": S(to).label}
        )
    if to == S.COMPLETED:
        fields.setdefault("completed_at", timezone.now())
    fields["updated_at"] = timezone.now()
    names = tuple(sorted(fields))
    values = [_FIELDS[n].get_db_prep_save(fields[n], connection) for n in names]
    with connection.cursor() as cursor:  # plain SQL: every payment and status change runs it
        cursor.execute(_move_sql(names), [to, *values, order.pk, current])
        moved = cursor.rowcount
    if not moved:
        raise IllegalTransition(_("订单状态已被其他操作更新，请刷新后重试。"))
    order.status = to
    for name, value in fields.items():
        setattr(order, name, value)
    # core.inserts: every payment and status change writes one
    inserts.insert(
        [
            OrderEvent(
                order=order,
                from_status=current,
                to_status=to,
                note=note[:200],
                actor=actor if getattr(actor, "pk", None) else None,
            )
        ]
    )
    events.publish(OrderStatusChanged(order_id=order.public_id, from_status=current, to_status=to))
    return order
