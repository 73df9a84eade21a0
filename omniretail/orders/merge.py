"""A duplicate account's orders moved to the account its person keeps (the platform's member
merge, analytics.merging), and back on undo; a merge waits for open refunds."""

from django.db.models import Q

from omniretail.orders.models import AfterSalesRequest, Order

_OPEN = [
    AfterSalesRequest.Status.REQUESTED,
    AfterSalesRequest.Status.AWAITING_RETURN,
    AfterSalesRequest.Status.RETURN_SENT,
    AfterSalesRequest.Status.APPROVED,
]


def refund_pending(*users) -> bool:
    """Whether one of the users has an order whose refund is not settled yet."""
    return (
        Order.objects.filter(shopper__in=users)
        .filter(Q(status=Order.Status.REFUND_REQUESTED) | Q(after_sales__status__in=_OPEN))
        .exists()
    )


def move_orders(*, source, target) -> list[int]:
    ids = list(Order.objects.filter(shopper=source).values_list("pk", flat=True))
    Order.objects.filter(pk__in=ids).update(shopper=target)
    return ids


def undo_orders(*, source, target, moved: list[int]) -> None:
    Order.objects.filter(pk__in=moved, shopper=target).update(shopper=source)
