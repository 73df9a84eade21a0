"""Order reads: a shopper sees their own orders, merchant staff their merchant's."""

import functools
from datetime import datetime, timedelta

from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    When,
    prefetch_related_objects,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.catalog.models import Product, Sku
from omniretail.core import reads
from omniretail.core.errors import NotFound
from omniretail.inventory.models import StockLocation
from omniretail.inventory.selectors import available_by_store
from omniretail.loyalty import members
from omniretail.orders.models import (
    AfterSalesRequest,
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
)
from omniretail.stores.models import Store
from omniretail.stores.selectors import nearby_stores


def _details():
    return (
        Prefetch("lines", queryset=OrderLine.objects.select_related("sku", "sku__product")),
        Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "id")),
    )


def _detailed(qs: QuerySet[Order]) -> QuerySet[Order]:
    return qs.select_related("store", "merchant", "shopper", "pickup_code").prefetch_related(
        *_details()
    )


def with_details(order: Order) -> Order:
    """Lines and timeline for an order already in hand (a checkout's answer), without
    reading the order row again."""
    prefetch_related_objects([order], *_details())
    return order


@functools.cache
def _checkout_store_sql() -> str:
    return (
        f"SELECT {reads.columns(Store, 't0')}, {reads.columns(Organization, 't1')},"
        f" {reads.columns(StockLocation, 't2')} FROM {reads.table(Store)} t0"
        f" JOIN {reads.table(Organization)} t1 ON t1.id = t0.merchant_id"
        f" LEFT JOIN {reads.table(StockLocation)} t2 ON t2.store_id = t0.id"
        " WHERE t0.public_id = %s AND t0.is_active = %s"
    )


def store_for_checkout(public_id: str) -> Store:
    """`public_store` with its merchant and the stock location checkout reserves from, in
    one plain statement: every checkout and quote reads it, and compiling the ORM's
    three-table query cost more CPU than running it."""
    rows = reads.fetch(_checkout_store_sql(), [public_id, True])
    if not rows:
        raise NotFound(_("找不到该门店。"))
    store, merchant, location = reads.joined(rows[0], Store, Organization, StockLocation)
    Store.merchant.field.set_cached_value(store, merchant)
    Store.stock_location.related.set_cached_value(store, location)
    if location is not None:
        StockLocation.store.field.set_cached_value(location, store)
    return store


def order_with_parties(public_id: str) -> Order | None:
    """The order with its merchant, store and shopper, in plain SQL (core.reads): a paid
    order's delivery reads it in mark_paid and in OrderPaid's handlers, and compiling the
    ORM's four-table join cost more CPU than running it."""
    parties = ("merchant", "store", "shopper")
    where = f" WHERE {reads.table(Order)}.public_id = %s"
    rows = reads.fetch(reads.select_joined(Order, *parties) + where, [public_id])
    return reads.linked(rows[0], Order, *parties) if rows else None


S = Order.Status
# The order tabs every Chinese shop has, as conditions on the shopper's orders. 待评价: a
# completed order with a line neither reviewed (reviews' `review` of an order line) nor
# wholly returned; 退款·售后: every order with an after-sales request, open or closed.
SHOPPER_TABS: dict[str, Q] = {
    "unpaid": Q(status=S.PENDING_PAYMENT),
    "to_fulfil": Q(status__in=[S.PAID, S.READY_FOR_PICKUP]),
    "to_receive": Q(status=S.SHIPPED),
    "to_review": Q(
        status=S.COMPLETED,
        lines__review__isnull=True,
        lines__quantity_returned__lt=F("lines__quantity"),
    ),
    "after_sales": Q(status__in=[S.REFUND_REQUESTED, S.REFUNDED]) | Q(after_sales__isnull=False),
}


def orders_of_shopper(user, *, tab: str = "") -> QuerySet[Order]:
    """The shopper's orders, or those of one of `SHOPPER_TABS` (an unknown tab: all)."""
    qs = Order.objects.filter(shopper=user)
    if tab in SHOPPER_TABS:
        qs = Order.objects.filter(pk__in=qs.filter(SHOPPER_TABS[tab]).values("pk"))
    return _detailed(qs)


def tab_counts(user) -> dict[str, int]:
    """How many of the shopper's orders each tab holds, in one query (我的 and the tabs)."""
    return Order.objects.filter(shopper=user).aggregate(
        **{tab: Count("pk", filter=q, distinct=True) for tab, q in SHOPPER_TABS.items()}
    )


def order_of_shopper(user, public_id: str, *, details: bool = True) -> Order:
    """One of the shopper's orders; `details=False`: the order's row alone, for a write that
    reads nothing else (支付 needs its status and payment intent, not its lines), read in
    plain SQL (core.reads): every payment reads it."""
    if details:
        found = list(orders_of_shopper(user).filter(public_id=public_id)[:1])
    else:
        found = reads.where(Order, "t0.public_id = %s AND t0.shopper_id = %s", [public_id, user.pk])
    if not found:
        raise NotFound()
    return found[0]


def orders_for_staff(user, *, store=None, status=None, day=None) -> QuerySet[Order]:
    """The store's queue, newest first, except that a paid pickup order of a member whose
    tier has priority service (优先服务) comes before every other; `priority` marks them."""
    priority = members.priority_member(org=OuterRef("merchant"), user=OuterRef("shopper"))
    first = Q(priority=True, status=Order.Status.PAID, fulfilment=Order.Fulfilment.PICKUP)
    qs = Order.objects.annotate(priority=priority).order_by(
        Case(When(first, then=0), default=1), "-created_at"
    )
    if not is_platform_operator(user):
        qs = qs.filter(merchant__in=organizations_of(user))
    if store is not None:
        qs = qs.filter(store=store)
    if status:
        qs = qs.filter(status__in=[status] if isinstance(status, str) else status)
    if day is not None:
        start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
        qs = qs.filter(created_at__gte=start, created_at__lt=start + timedelta(days=1))
    return _detailed(qs)


def after_sales_of(order: Order, public_id: str) -> AfterSalesRequest:
    """One after-sales request of an order already read through the actor's scope."""
    found = order.after_sales.filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("找不到该售后申请。"))
    return found


def after_sales_of_shopper(user, public_id: str) -> AfterSalesRequest:
    """One of the shopper's after-sales requests; anyone else's is not found."""
    found = AfterSalesRequest.objects.filter(public_id=public_id, order__shopper=user)
    if (request := found.select_related("order").first()) is None:
        raise NotFound(_("找不到该售后申请。"))
    return request


def after_sales_for_staff(user, *, store, status=(), q: str = "") -> QuerySet[AfterSalesRequest]:
    """A store's after-sales requests, newest first; `q` finds one by its order number or
    the return parcel's tracking number (what a clerk has in hand at the counter)."""
    qs = AfterSalesRequest.objects.filter(order__store=store).select_related("order")
    if not is_platform_operator(user):
        qs = qs.filter(order__merchant__in=organizations_of(user))
    if status:
        qs = qs.filter(status__in=status)
    if q := "".join((q or "").split()):
        qs = qs.filter(Q(order__number=q) | Q(return_tracking_no__iexact=q))
    return qs.order_by("-created_at", "-id")


def order_for_staff(user, public_id: str) -> Order:
    order = orders_for_staff(user).filter(public_id=public_id).first()
    if order is None:
        raise NotFound()
    return order


def pickups_due(user, *, store, until=None) -> QuerySet[Order]:
    """Paid pickup orders not yet handed over, earliest slot first."""
    qs = orders_for_staff(
        user, store=store, status=[Order.Status.PAID, Order.Status.READY_FOR_PICKUP]
    )
    qs = qs.filter(fulfilment=Order.Fulfilment.PICKUP)
    if until is not None:
        qs = qs.filter(pickup_slot_start__lte=until)
    return qs.order_by("pickup_slot_start")


@functools.cache
def _cart_lines_sql(owner: str) -> str:
    """A cart's lines with each SKU and its product, oldest first; `owner` is the column of
    the cart that picks it."""
    cart = f" JOIN {reads.table(Cart)} c ON c.id = t0.cart_id" if owner != "cart_id" else ""
    where = f"c.{owner}" if cart else "t0.cart_id"
    return (
        f"SELECT {reads.columns(CartLine, 't0')}, {reads.columns(Sku, 't1')},"
        f" {reads.columns(Product, 't2')} FROM {reads.table(CartLine)} t0{cart}"
        f" JOIN {reads.table(Sku)} t1 ON t1.id = t0.sku_id"
        f" JOIN {reads.table(Product)} t2 ON t2.id = t1.product_id"
        f" WHERE {where} = %s ORDER BY t0.added_at, t0.id"
    )


def _cart_lines(owner: str, value) -> list[CartLine]:
    """In one plain statement: every cart add, the cart page and checkout read the lines,
    and compiling the ORM's three-table query cost more CPU than running it."""
    lines = []
    for row in reads.fetch(_cart_lines_sql(owner), [value]):
        line, sku, product = reads.joined(row, CartLine, Sku, Product)
        Sku.product.field.set_cached_value(sku, product)
        CartLine.sku.field.set_cached_value(line, sku)
        lines.append(line)
    return lines


def cart_lines(cart: Cart | None) -> list[CartLine]:
    if cart is None:
        return []
    lines = _cart_lines("cart_id", cart.pk)
    for line in lines:
        CartLine.cart.field.set_cached_value(line, cart)
    return lines


def cart_lines_of(*, user=None, session_key: str | None = None) -> list[CartLine]:
    """The lines of a shopper's cart (a user's, else the session's) in one query, without
    reading the cart row first: a cart is one per user and per session key."""
    if getattr(user, "is_authenticated", False):
        return _cart_lines("user_id", user.pk)
    if session_key:
        return _cart_lines("session_key", session_key)
    return []


def cart_availability(cart: Cart | None, *, lat: float, lon: float, limit: int = 5):
    """For each nearby store: how many of each cart line it can supply now."""
    lines = cart_lines(cart)
    return lines, stock_availability(lines, lat=lat, lon=lon, limit=limit)


def stock_availability(
    lines, *, lat: float, lon: float, limit: int = 5, open_now: bool = True
) -> list[dict]:
    """For each store near the point, nearest first: how many of each line's SKU (`lines`
    have `.sku` and `.quantity`: a cart's, or buy-now's one) it can supply now, and whether
    it can supply them all (`open_now=False`: without asking whether each store is open)."""
    stores = nearby_stores(lat=lat, lon=lon, radius_m=20_000, limit=limit, open_now=open_now)
    if not lines or not stores:
        return []
    free = available_by_store([line.sku.pk for line in lines], [n.store.pk for n in stores])
    rows = []
    for near in stores:
        per_line = [free.get((near.store.pk, line.sku.pk), 0) for line in lines]
        rows.append(
            {
                "nearby": near,
                "available": per_line,
                "can_fulfil": all(
                    a >= line.quantity for a, line in zip(per_line, lines, strict=True)
                ),
            }
        )
    return rows
