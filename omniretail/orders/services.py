"""Cart, checkout and the order's life until it is handed over. Checkout is one transaction:
order, price snapshot, stock reservations and payment intent all exist, or none does."""

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator, require_role
from omniretail.addresses.services import validate_phone
from omniretail.catalog.models import Product, Sku
from omniretail.core import events, inserts, reads
from omniretail.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    ValidationFailed,
    field_error,
    require_quantity,
)
from omniretail.core.geo import validate_point
from omniretail.core.ids import new_public_id
from omniretail.core.money import ZERO, money, plus
from omniretail.inventory import services as inventory
from omniretail.inventory.models import Reservation, StockLocation
from omniretail.loyalty import coupons
from omniretail.notifications.services import notify
from omniretail.orders import delivery, pricing, selectors, slots
from omniretail.orders.aftersales import settle_after_sales_refund
from omniretail.orders.events import OrderPaid, OrderRefunded, OrderRouted
from omniretail.orders.models import (
    MAX_LINE_QUANTITY,
    AfterSalesRequest,
    Cart,
    CartLine,
    Delivery,
    Order,
    OrderLine,
)
from omniretail.orders.pickup import issue_pickup_code
from omniretail.orders.slots import SLOT_MINUTES
from omniretail.orders.state import transition
from omniretail.payments import selectors as payment_selectors
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.payments.reconcile import may_still_succeed
from omniretail.stores.models import Store
from omniretail.stores.selectors import open_throughout

S = Order.Status
F_ = Order.Fulfilment
MAX_LINES = 50
SLOT_DAYS_AHEAD = 7
FREE_DELIVERY_FROM = Decimal("99.00")
DELIVERY_FEE = Decimal("6.00")


def payment_window() -> timedelta:
    """How long an unpaid order holds its stock (`OMNI_ORDER_PAYMENT_MINUTES`)."""
    return timedelta(minutes=settings.OMNI_ORDER_PAYMENT_MINUTES)


# ---------------------------------------------------------------- cart


def _quantity(value, field: str = "quantity") -> int:
    return require_quantity(value, field=field, maximum=MAX_LINE_QUANTITY)


def _sellable(sku: Sku) -> Sku:
    if not sku.is_active or sku.product.status != Product.Status.APPROVED:
        raise field_error("sku", _("该商品已下架。"))
    return sku


def cart_for(*, user=None, session_key: str | None = None, create: bool = True) -> Cart | None:
    """The shopper's cart; anonymous carts live on the session key. Read in plain SQL (every
    cart add and checkout reads it, and the ORM's compiling cost more CPU than the read);
    a missing one is created by get_or_create, which settles two first adds at once."""
    if getattr(user, "is_authenticated", False):
        owner, value = "user_id", user.pk
    elif session_key:
        owner, value = "session_key", session_key
    else:
        return None
    found = reads.where(Cart, f"t0.{owner} = %s", [value])
    if found or not create:
        return found[0] if found else None
    return Cart.objects.get_or_create(**{owner: value})[0]


def _add_line_sql() -> str:
    """加入购物车 in one statement: a new line, or the quantity added to the SKU's line
    already there, unless that passes the limit (then no row comes back). Both databases
    run `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`; the ORM's get_or_create took a
    read, a savepoint and its release, and an UPDATE and a reread for a line already there."""
    qn = connection.ops.quote_name
    table, quantity = qn(CartLine._meta.db_table), qn("quantity")
    return (
        f"INSERT INTO {table} ({qn('cart_id')}, {qn('sku_id')}, {quantity}, {qn('added_at')}) "
        f"VALUES (%s, %s, %s, %s) ON CONFLICT ({qn('cart_id')}, {qn('sku_id')}) "
        f"DO UPDATE SET {quantity} = {table}.{quantity} + excluded.{quantity} "
        f"WHERE {table}.{quantity} + excluded.{quantity} <= %s "
        f"RETURNING {quantity}"
    )


@transaction.atomic
def add_to_cart(*, cart: Cart, sku: Sku, quantity: int = 1) -> int:
    """Put `quantity` more of `sku` in the cart; the line's quantity now. The line and the
    cart's stamp in plain SQL: every add runs them, and the ORM's UPDATE compiled each time."""
    quantity = _quantity(quantity)
    _sellable(sku)
    now = timezone.now()
    added_at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(_add_line_sql(), [cart.pk, sku.pk, quantity, added_at, MAX_LINE_QUANTITY])
        row = cursor.fetchone()
        if row is None:
            raise field_error(
                "quantity", _("单个商品最多购买 %(max)s 件。") % {"max": MAX_LINE_QUANTITY}
            )
        cursor.execute(
            f"UPDATE {reads.table(Cart)} SET updated_at = %s WHERE id = %s", [added_at, cart.pk]
        )
    return row[0]


@transaction.atomic
def set_cart_quantity(*, cart: Cart, sku: Sku, quantity: int) -> CartLine | None:
    """Quantity 0 removes the line."""
    if quantity == 0:
        CartLine.objects.filter(cart=cart, sku=sku).delete()
        return None
    quantity = _quantity(quantity)
    line = CartLine.objects.filter(cart=cart, sku=sku).first()
    if line is None:
        raise NotFound(_("购物车中没有该商品。"))
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def merge_session_cart(*, session_key: str, user) -> Cart:
    """At login the anonymous cart's lines join the member's cart; nothing is lost."""
    mine = Cart.objects.get_or_create(user=user)[0]
    anonymous = Cart.objects.filter(session_key=session_key).exclude(pk=mine.pk).first()
    if anonymous is None:
        return mine
    existing = {line.sku_id: line for line in mine.lines.all()}
    for line in anonymous.lines.all():
        if line.sku_id in existing:
            total = min(MAX_LINE_QUANTITY, existing[line.sku_id].quantity + line.quantity)
            CartLine.objects.filter(pk=existing[line.sku_id].pk).update(quantity=total)
        else:
            CartLine.objects.create(cart=mine, sku_id=line.sku_id, quantity=line.quantity)
    anonymous.delete()
    return mine


# ---------------------------------------------------------------- checkout


@dataclass(frozen=True)
class Fulfilment:
    kind: str
    location: StockLocation
    store: Store | None
    slot_start: datetime | None = None
    slot_end: datetime | None = None
    address: dict | None = None
    distance_m: int | None = None  # from the store to the address, when it has a position


def _validate_slot(
    store, slot_start: datetime | None, *, kind: str = F_.PICKUP, earliest=None
) -> tuple[datetime, datetime]:
    """A pickup slot, or a delivery window that starts no earlier than `earliest`."""
    field = "delivery_slot" if kind == F_.DELIVERY else "pickup_slot"
    if slot_start is None:
        raise field_error(field, _("请选择自提时间段。"))
    if timezone.is_naive(slot_start):
        slot_start = timezone.make_aware(slot_start)
    local = timezone.localtime(slot_start)
    now = timezone.now()
    if local.minute % SLOT_MINUTES or local.second or local.microsecond:
        raise field_error(
            field,
            _("送达时段需从整点或半点开始。")
            if kind == F_.DELIVERY
            else _("自提时间需为整点或半点。"),
        )
    # a slot of an earlier day is bad input; one that passed today rolled over (409 below)
    before_today = slot_start < now and local.date() != timezone.localtime(now).date()
    if before_today or slot_start > now + timedelta(days=SLOT_DAYS_AHEAD):
        ahead = (
            _("送达时段需在未来 %(days)s 天内。")
            if kind == F_.DELIVERY
            else _("自提时间需在未来 %(days)s 天内。")
        )
        raise field_error(field, ahead % {"days": SLOT_DAYS_AHEAD})
    slot_end = slots.end_of(slot_start)
    if not open_throughout(store, slot_start, slot_end - timedelta(minutes=1)):
        raise field_error(field, _("所选时间段门店不营业，请选择营业时间内的时段。"))
    slots.require_open(store, slot_start, now=now, kind=kind, earliest=earliest)
    return slot_start, slot_end


def _validate_address(address: dict | None) -> dict:
    """Name, a mainland mobile number and the address text; the position (lat, lon) is
    kept when given (an address-book address always has one) for the delivery range."""
    address = address or {}
    fields = {}
    for key, label in (("name", _("收货人")), ("phone", _("电话")), ("address", _("地址"))):
        if not str(address.get(key, "")).strip():
            fields[f"delivery_address.{key}"] = _("请填写%(label)s。") % {"label": label}
    if "delivery_address.phone" not in fields:
        try:
            validate_phone(address["phone"], "delivery_address.phone")
        except ValidationFailed as exc:
            fields.update(exc.fields)
    if fields:
        raise ValidationFailed(fields=fields)
    clean: dict[str, str | float] = {
        k: str(address[k]).strip()[:200] for k in ("name", "phone", "address")
    }
    if address.get("lat") is not None or address.get("lon") is not None:
        clean["lat"], clean["lon"] = validate_point(address.get("lat"), address.get("lon"))
    return clean


def resolve_fulfilment(
    *,
    kind: str,
    store=None,
    location=None,
    pickup_slot_start=None,
    delivery_address=None,
    delivery_slot_start=None,
) -> Fulfilment:
    """Turn the shopper's choice (the API, the checkout page) into a stock location and a
    slot or address, or refuse: pickup and delivery take the chosen store's own stock. A
    `location` the client names must be that one; a counter's bay is sold only through the
    counter's purchase flow (`counter_fulfilment`), a store-less delivery only where the
    router sends it (`routed_fulfilment`)."""
    if kind == F_.COUNTER:
        raise field_error("fulfilment", _("智能售货柜的商品请在售货柜扫码购买。"))
    if kind not in F_.values or kind == F_.IN_STORE:
        raise field_error("fulfilment", _("请选择配送或到店自提。"))
    if store is None and location is not None:
        raise field_error("location", _("不能指定发货库位：请选择门店，或使用就近派单。"))
    if store is None or not store.is_active:
        raise field_error("store", _("请选择门店。"))
    stock_location = _store_location(store)
    if location is not None and location.pk != stock_location.pk:
        raise field_error("location", _("该库位不属于所选门店。"))
    if kind == F_.PICKUP:
        start, end = _validate_slot(store, pickup_slot_start)
        return Fulfilment(
            kind=kind, location=stock_location, store=store, slot_start=start, slot_end=end
        )
    address = _validate_address(delivery_address)
    distance = None
    if "lat" in address:
        distance = delivery.require_reach(store, address["lat"], address["lon"]).distance_m
    window: tuple[datetime | None, datetime | None] = (None, None)  # none: 尽快送达
    if delivery_slot_start is not None:  # 定时达
        earliest = timezone.now() + timedelta(minutes=delivery.eta_minutes(distance))
        window = _validate_slot(store, delivery_slot_start, kind=F_.DELIVERY, earliest=earliest)
    return Fulfilment(
        kind=kind,
        location=stock_location,
        store=store,
        slot_start=window[0],
        slot_end=window[1],
        address=address,
        distance_m=distance,
    )


def _store_location(store) -> StockLocation:
    location = inventory.location_for_store(store)
    if not location.is_active:
        raise field_error("store", _("该门店暂停线上销售。"))
    return location


def counter_fulfilment(*, location: StockLocation) -> Fulfilment:
    """A counter's bay stock: for the counter purchase flow (counters.vending) only."""
    if location.kind != StockLocation.Kind.COUNTER or not location.is_active:
        raise field_error("location", _("请选择智能售货柜。"))
    return Fulfilment(kind=F_.COUNTER, location=location, store=None)


def routed_fulfilment(
    *, location: StockLocation, delivery_address, distance_m: int | None = None
) -> Fulfilment:
    """A delivery from where the router (supply.routing) may send it: a store, whose own
    reach is checked against the address, or a warehouse `distance_m` away."""
    if location.kind == StockLocation.Kind.STORE:
        return resolve_fulfilment(
            kind=F_.DELIVERY, store=location.store, delivery_address=delivery_address
        )
    if location.kind != StockLocation.Kind.WAREHOUSE or not location.is_active:
        raise field_error("location", _("该库位不能发货。"))
    return Fulfilment(
        kind=F_.DELIVERY,
        location=location,
        store=None,
        address=_validate_address(delivery_address),
        distance_m=distance_m,
    )


def _check_fulfilment(fulfilment: Fulfilment) -> None:
    """Whatever built it, an order takes stock only where its fulfilment allows: a store's
    order at that store's location, a counter order at a counter, a store-less delivery at
    a warehouse."""
    location, store = fulfilment.location, fulfilment.store
    if fulfilment.kind == F_.COUNTER:
        allowed = store is None and location.kind == StockLocation.Kind.COUNTER
    elif store is not None:
        allowed = location.store_id == store.pk
    else:
        allowed = fulfilment.kind == F_.DELIVERY and location.kind == StockLocation.Kind.WAREHOUSE
    if not (allowed and location.is_active):
        raise field_error("location", _("该库位不能用于此配送方式。"))


def _merge_lines(lines) -> list[tuple[Sku, int]]:
    if not lines:
        raise field_error("lines", _("请至少选择一件商品。"))
    if len(lines) > MAX_LINES:
        raise field_error("lines", _("一次最多结算 %(max)s 种商品。") % {"max": MAX_LINES})
    merged: dict[int, list] = {}
    for index, (sku, quantity) in enumerate(lines):
        _quantity(quantity, f"lines.{index}.quantity")
        _sellable(sku)
        if sku.pk in merged:
            merged[sku.pk][1] += quantity
        else:
            merged[sku.pk] = [sku, quantity]
    for _sku, quantity in merged.values():
        _quantity(quantity, "lines")
    return [(sku, quantity) for sku, quantity in merged.values()]


def subtotal_of(lines, priced: dict | None = None, *, store=None) -> Decimal:
    """What (sku, quantity) pairs cost (orders.pricing: a running special is today's price,
    a running promotion of `store` may price the line lower): the cart, the checkout page,
    the till and checkout itself price the same way."""
    lines = list(lines)
    if priced is None:
        priced = pricing.line_prices(lines, store=store)
    return money(sum((priced[sku.pk].line_total for sku, _q in lines), ZERO))


def _claimed_price(sku: Sku, price) -> Decimal:
    """The per-SKU offers' price a line claims (limits, capped stock); none, the list price,
    when a store promotion priced it."""
    return price.offer_price if price.offer_price is not None else sku.price


def discounts_for(
    *,
    shopper,
    merchant,
    lines: list[tuple[Sku, int]],
    subtotal: Decimal,
    coupon: str = "",
    order_id: str = "",
    known_coupons: tuple = (),
) -> list[dict]:
    """The discounts hook: the member tier's discount and the chosen coupon (loyalty decides
    both). With `order_id` the coupon is used for that order within checkout's transaction;
    without, it is the checkout page's preview (`known_coupons`: the ones it just read).
    Each line: kind, label, amount (a string)."""
    return [
        line.as_dict()
        for line in coupons.discounts(
            shopper=shopper,
            merchant=merchant,
            subtotal=subtotal,
            coupon=coupon,
            order_id=order_id,
            known=known_coupons,
        )
    ]


def discount_total(discount_lines: list[dict], subtotal: Decimal) -> Decimal:
    return min(money(sum((Decimal(d["amount"]) for d in discount_lines), ZERO)), subtotal)


def delivery_fee_for(
    kind: str, subtotal: Decimal, *, store=None, distance_m: int | None = None
) -> Decimal:
    """Free from FREE_DELIVERY_FROM; else the store's tier for the distance when the
    address has a position, the standard fee when it has none."""
    if kind != F_.DELIVERY or subtotal >= FREE_DELIVERY_FROM:
        return ZERO
    if store is not None and distance_m is not None:
        return delivery.fee_at(store, distance_m)
    return DELIVERY_FEE


def _order_number() -> str:
    return f"{timezone.localtime():%y%m%d}{secrets.randbelow(10**10):010d}"


def _create_order(**fields) -> Order:
    """Insert with a random number, skipping one that is taken, in one statement: INSERT ...
    ON CONFLICT DO NOTHING RETURNING id answers our row's id, or no row when the number is
    taken, so neither a savepoint nor a read back is needed."""
    fields.setdefault("public_id", new_public_id())
    for _attempt in range(5):
        order = Order(number=_order_number(), **fields)
        if inserts.insert([order], skip_conflict=True):
            return order
    raise IntegrityError("could not allocate an order number")


def _hold_lines(
    order: Order,
    lines,
    *,
    ttl=None,
    unit_price: Decimal | None = None,
    priced=None,
    reservations: list[Reservation] | None = None,
) -> None:
    """Reserve the (sku, quantity) pairs at the order's location (unless checkout already
    did), refused as a whole when short, and write the order's lines at `unit_price`, else
    as `priced` (checkout's `pricing.line_prices`: a promotion's line total), else at
    today's SKU price."""
    if reservations is None:
        reservations = inventory.reserve_lines(
            location=order.location, lines=lines, reference=order.public_id, ttl=ttl
        )
    order_lines = []
    for (sku, quantity), reservation in zip(lines, reservations, strict=True):
        price = unit_price if unit_price is not None else sku.price
        total = money(price * quantity)
        if unit_price is None and priced is not None:
            price, total = priced[sku.pk].unit_price, priced[sku.pk].line_total
        order_lines.append(
            OrderLine(
                order=order,
                sku=sku,
                product_name=sku.product.name,
                sku_name=sku.name,
                unit_price=price,
                quantity=quantity,
                line_total=total,
                reservation=reservation,
            )
        )
    inserts.insert(order_lines)  # plain SQL: every checkout writes them
    _known_related(order, lines=order_lines)


def _known_related(order: Order, **related) -> None:
    """Related rows written in this transaction, kept on the order as if prefetched, so the
    answer that shows them (the API's order) does not read them back."""
    cache = order.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in related.items():
        found = getattr(order, name).all()
        found._result_cache, found._prefetch_done = list(rows), True
        cache[name] = found


@transaction.atomic
def checkout(
    *,
    shopper,
    lines: list[tuple[Sku, int]],
    fulfilment: Fulfilment | list[Fulfilment],
    payment_provider: str,
    note: str = "",
    cart: Cart | None = None,
    coupon: str = "",
) -> Order:
    """Reserve the lines' stock at the fulfilment location, then price them, take the
    discounts (the chosen coupon is used by this order) and open a payment intent. A line
    that cannot be reserved refuses the whole checkout and leaves no trace. A list of
    fulfilments is a route (supply.routing's ranking): the order goes to the first whose
    location holds every line, and `OrderRouted` tells supply where it went. Goods already
    sold out are refused first, from a read (`inventory.refuse_if_short`)."""
    if payment_provider not in payment_selectors.method_names():
        raise field_error("payment_provider", _("不支持的支付方式。"))
    merged = _merge_lines(lines)
    route = fulfilment if isinstance(fulfilment, list) else [fulfilment]
    for choice in route:  # before its stock is read: a foreign location's is not told
        _check_fulfilment(choice)
    inventory.refuse_if_short(locations=[choice.location for choice in route], lines=merged)
    _limit_unpaid(shopper, merged)
    order = _place_order(
        shopper=shopper,
        merged=merged,
        fulfilment=fulfilment,
        payment_provider=payment_provider,
        note=note,
        cart=cart,
        coupon=coupon,
    )
    _known_related(order, events=[])  # an order awaiting payment has no timeline yet
    return order


# What a member holds unpaid: the orders and, per SKU of the new order, the units. Plain
# SQL: checkout runs it every time, and the ORM's aggregate cost more CPU than the query.
HELD_SQL = """
SELECT COUNT(DISTINCT o.id){per_sku}
FROM orders_order o JOIN orders_orderline l ON l.order_id = o.id
WHERE o.shopper_id = %s AND o.status = %s AND o.expires_at > %s
"""
HELD_PER_SKU = ", COALESCE(SUM(CASE WHEN l.sku_id = %s THEN l.quantity END), 0)"


def _limit_unpaid(shopper, merged: list[tuple[Sku, int]]) -> None:
    """Unpaid orders hold stock, so one member may hold only so many of them, and so many
    units of one SKU across them (settings); past that, checkout asks to pay or cancel
    first. The member's row is locked (a statement of its own, so the count's snapshot
    sees what a parallel checkout committed while we waited) and their parallel
    checkouts are counted one by one; SQLite runs one writer at a time anyway."""
    with connection.cursor() as cursor:
        if connection.features.has_select_for_update:
            # NO KEY: rows pointing at the member (a notification, an award) check that
            # reference at commit with KEY SHARE, which FOR UPDATE would make wait
            cursor.execute(
                "SELECT 1 FROM accounts_user WHERE id = %s FOR NO KEY UPDATE", [shopper.pk]
            )
        cursor.execute(
            HELD_SQL.format(per_sku=HELD_PER_SKU * len(merged)),
            [
                *(sku.pk for sku, _q in merged),
                shopper.pk,
                S.PENDING_PAYMENT.value,
                connection.ops.adapt_datetimefield_value(timezone.now()),
            ],
        )
        orders, *units = cursor.fetchone()
    if orders >= settings.OMNI_ORDER_UNPAID_LIMIT:
        raise Conflict(
            _("您已有 %(n)s 笔待支付订单：请先支付或取消其中的订单，再下新订单。") % {"n": orders},
            code="unpaid_orders_limit",
        )
    most = settings.OMNI_ORDER_UNPAID_UNITS_PER_SKU
    for (sku, quantity), held in zip(merged, units, strict=True):
        if held + quantity > most:
            message = _(
                "“%(name)s”在待支付订单中每人最多 %(max)s 件（已有 %(held)s 件）：请先支付或"
                "取消待支付的订单，或减少数量。"
            ) % {"name": sku.product.name, "max": most, "held": held}
            raise Conflict(message, code="unpaid_units_limit", fields={"lines": message})


def _slot_fields(fulfilment: Fulfilment) -> dict:
    prefix = "delivery" if fulfilment.kind == F_.DELIVERY else "pickup"
    return {
        f"{prefix}_slot_start": fulfilment.slot_start,
        f"{prefix}_slot_end": fulfilment.slot_end,
    }


@functools.lru_cache(maxsize=64)  # one per line count
def _clear_cart_lines_sql(count: int) -> str:
    ids = ", ".join(["%s"] * count)
    return f"DELETE FROM {reads.table(CartLine)} WHERE cart_id = %s AND sku_id IN ({ids})"


def _clear_cart_lines(cart: Cart, sku_ids: list[int]) -> None:
    """The bought lines leave the cart, in one plain DELETE: the ORM's delete compiled a
    query and ran its collector first, a tenth of the checkout request's CPU."""
    with connection.cursor() as cursor:
        cursor.execute(_clear_cart_lines_sql(len(sku_ids)), [cart.pk, *sku_ids])


def _place_order(
    *,
    shopper,
    merged,
    fulfilment: Fulfilment | list[Fulfilment],
    payment_provider: str,
    note="",
    cart=None,
    coupon="",
    extra_discounts=(),
):
    """The order for lines already merged by `_merge_lines`, at the fulfilment's location
    (the first of a route that holds them all); `extra_discounts` (the till's points offset)
    come after the tier's and the coupon's. The stock rows are the ones other shoppers'
    checkouts wait for, so they are locked as late as the store allows: with one candidate,
    after the prices, the coupon, the intent and the order, and held for the specials'
    claims, the lines and the notification only (a refusal rolls the rest back); a route
    must reserve first to know its store. The specials' rows are locked after the stock
    rows either way."""
    routed = isinstance(fulfilment, list)
    route: list[Fulfilment] = fulfilment if isinstance(fulfilment, list) else [fulfilment]
    for choice in route:
        _check_fulfilment(choice)
    reference = new_public_id()

    def reserve() -> tuple[int, list]:
        return inventory.reserve_first(
            locations=[choice.location for choice in route],
            lines=merged,
            reference=reference,
            ttl=payment_window() + timedelta(minutes=5),
        )

    rank, reservations = reserve() if len(route) > 1 else (0, None)
    chosen = route[rank]
    now = timezone.now()
    priced = pricing.line_prices(merged, store=chosen.store, now=now)
    subtotal = subtotal_of(merged, priced)
    merchant = chosen.store.merchant if chosen.store else chosen.location.organization
    discount_lines = discounts_for(
        shopper=shopper,
        merchant=merchant,
        lines=merged,
        subtotal=subtotal,
        coupon=coupon,
        order_id=reference,
    ) + list(extra_discounts)
    discount = discount_total(discount_lines, subtotal)
    fee = delivery_fee_for(chosen.kind, subtotal, store=chosen.store, distance_m=chosen.distance_m)
    total = money(subtotal - discount + fee)
    expires_at = timezone.now() + payment_window()
    intent = payments.create_intent(
        purpose="order",
        reference=reference,
        amount=total,
        payer=shopper,
        provider=payment_provider,
        payee=merchant,
        expires_at=expires_at,
    )
    order = _create_order(
        public_id=reference,
        shopper=shopper,
        merchant=merchant,
        store=chosen.store,
        location=chosen.location,
        fulfilment=chosen.kind,
        **_slot_fields(chosen),
        delivery_address=chosen.address or {},
        subtotal=subtotal,
        discount_total=discount,
        discount_lines=discount_lines,
        delivery_fee=fee,
        total=total,
        payment_provider=payment_provider,
        payment_intent_id=intent.public_id,
        expires_at=expires_at,
        note=(note or "")[:200],
    )
    if reservations is None:
        rank, reservations = reserve()
    claimed = {sku.pk: _claimed_price(sku, priced[sku.pk]) for sku, _q in merged}
    pricing.claim(shopper=shopper, lines=merged, prices=claimed, now=now)
    _hold_lines(order, merged, priced=priced, reservations=reservations)
    if routed:
        events.publish(
            OrderRouted(
                order_id=order.public_id,
                location_id=chosen.location.pk,
                rank=rank + 1,
                candidates=len(route),
                distance_m=chosen.distance_m,
            )
        )
    if order.fulfilment == F_.DELIVERY and order.store_id:
        delivery.open_delivery(order, chosen.distance_m)
    if cart is not None:
        _clear_cart_lines(cart, [sku.pk for sku, _q in merged])
    if order.fulfilment != F_.IN_STORE:
        notify(
            organization=order.merchant,
            title=_("新订单 %(number)s") % {"number": order.number},
            body=_("%(kind)s，金额 ¥%(total)s，待付款。")
            % {"kind": order.get_fulfilment_display(), "total": order.total},
            link=f"/merchant/orders/{order.public_id}/",
        )
    return order


@transaction.atomic
def ring_up_sale(*, staff, store, lines: list[tuple[Sku, int]], shopper=None) -> Order:
    """A sale at the till: the same order flow, paid in cash to the staff member, and the
    goods handed over at once, so the store's stock picture stays the one everyone sees."""
    require_role(staff, store.merchant)
    fulfilment = Fulfilment(
        kind=F_.IN_STORE, location=inventory.location_for_store(store), store=store
    )
    order = _place_order(
        shopper=shopper, merged=_merge_lines(lines), fulfilment=fulfilment, payment_provider="cash"
    )
    payments.record_cash_payment(staff=staff, intent=_intent(order), organization=store.merchant)
    return mark_paid(order_id=order.public_id, intent_id=order.payment_intent_id)


# ---------------------------------------------------------------- payment reactions


def _intent(order: Order) -> PaymentIntent:
    return PaymentIntent.objects.get(public_id=order.payment_intent_id)


def _commit_stock(order: Order) -> None:
    """The paid order's reservations leave the shelf (inventory takes the stock rows in SKU
    key order, as checkout reserved them). Read in plain SQL, as the paid order's own read
    (`selectors.order_with_parties`)."""
    held = f"t0.id IN (SELECT reservation_id FROM {reads.table(OrderLine)} WHERE order_id = %s)"
    inventory.commit_reservations(reservations=reads.where(Reservation, held, [order.pk]))


@transaction.atomic
def mark_paid(*, order_id: str, intent_id: str) -> Order:
    """The gateway says paid. Only the order's own intent, for its total and by its shopper,
    pays it (a group-buy voucher's is the seat's intent it was placed with): any other is
    refunded in full and changes nothing here. A payment for an order that already expired
    is refunded at once, so nobody pays for goods we no longer hold."""
    order = selectors.order_with_parties(order_id)
    if order is None:
        raise Order.DoesNotExist(order_id)
    if not payments.accept_payment(
        intent_id=intent_id,
        own_intent_id=order.payment_intent_id,
        payer_id=order.shopper_id,
        amount=order.total,
    ):
        return order
    if order.status == S.CANCELLED:
        payments.refund(
            intent=PaymentIntent.objects.get(public_id=intent_id),
            amount=order.total,
            reason=_("订单已超时取消，自动退款"),
            idempotency_key=f"late-payment:{intent_id}",
        )
        return order
    if order.status != S.PENDING_PAYMENT:
        return order  # a duplicate notification
    transition(order, S.PAID, note=_("支付成功"), paid_at=timezone.now())
    _commit_stock(order)
    if order.fulfilment == F_.PICKUP:
        issue_pickup_code(order=order)
    if order.fulfilment == F_.IN_STORE:
        transition(order, S.COMPLETED, note=_("门店收银，当场交付"))
    events.publish(
        OrderPaid(
            order_id=order.public_id,
            shopper_id=order.shopper.public_id if order.shopper else "",
            merchant_id=order.merchant.public_id,
            total=order.total,
            fulfilment=order.fulfilment,
        )
    )
    store_phone = order.store.phone if order.store else ""
    if order.fulfilment != F_.IN_STORE:  # the till already has the customer in front of it
        notify(
            organization=order.merchant,
            title=_("订单已付款 %(number)s") % {"number": order.number},
            body=_("%(kind)s，金额 ¥%(total)s，请及时备货。")
            % {"kind": order.get_fulfilment_display(), "total": order.total},
            link=f"/merchant/orders/{order.public_id}/",
            sms_to=store_phone if store_phone.startswith("1") else "",
        )
    _tell_shopper(order, _("支付成功，订单 %(number)s 已付款。") % {"number": order.number})
    return order


@transaction.atomic
def record_refund(*, order_id: str, amount: Decimal) -> Order:
    """Money went back through the payment route: settle the after-sales request it was
    for, or close a paid order refunded in full."""
    order = Order.objects.get(public_id=order_id)
    Order.objects.filter(pk=order.pk).update(amount_refunded=plus("amount_refunded", amount))
    order.refresh_from_db()
    if order.after_sales.filter(status=AfterSalesRequest.Status.APPROVED).exists():
        settle_after_sales_refund(order=order)
    elif order.status == S.PAID and order.amount_refunded >= order.total:
        transition(order, S.REFUNDED, note=_("已全额退款"))
    events.publish(OrderRefunded(order_id=order.public_id, amount=amount))
    _tell_shopper(
        order,
        _("订单 %(number)s 已原路退款 ¥%(amount)s。") % {"number": order.number, "amount": amount},
    )
    return order


def _tell_shopper(order: Order, text: str) -> None:
    shopper = order.shopper if order.shopper_id else None
    if shopper is None:
        return
    notify(
        user=shopper,
        title=_("订单通知"),
        body=text,
        link=f"/orders/{order.public_id}/",
        sms_to=shopper.phone or "",
    )


# ---------------------------------------------------------------- cancellations and handover


def _release_stock(order: Order) -> None:
    """In SKU key order, as checkout reserved the rows."""
    for reservation in (
        Reservation.objects.filter(reference=order.public_id, status=Reservation.Status.ACTIVE)
        .select_related("location", "sku")
        .order_by("sku_id", "id")
    ):
        inventory.release_reservation(reservation=reservation)


@transaction.atomic
def cancel_order(*, order: Order, actor=None, reason: str = "") -> Order:
    """An unpaid order is cancelled: stock goes back, the payment intent is closed."""
    transition(order, S.CANCELLED, actor=actor, note=reason or _("已取消"))
    _release_stock(order)
    if order.payment_intent_id:
        payments.cancel_intent(intent=_intent(order))
    return order


def expire_unpaid_orders(*, now=None, batch: int = 200) -> int:
    """Cancel pending orders past their payment deadline, the oldest deadline first. An
    order whose payment may still succeed (its intent has a charge the payer may have paid,
    or is paid and not yet applied) is not cancelled: `payments.reconcile` asks the gateway,
    which pays the order or closes the charge, and then it expires here. Until then its
    stock is held past the reservation's expiry. Such orders are left out of the batch, so
    no number of them holds up the others."""
    now = now or timezone.now()
    overdue = Order.objects.filter(status=S.PENDING_PAYMENT, expires_at__lte=now)
    maybe_paid = may_still_succeed().values("public_id")
    inventory.hold_reservations(
        references=overdue.filter(payment_intent_id__in=maybe_paid).values("public_id"),
        until=now + payment_window(),
    )
    expired = 0
    expirable = overdue.exclude(payment_intent_id__in=maybe_paid).order_by("expires_at", "id")
    for order in expirable[:batch]:
        try:
            cancel_order(order=order, reason=_("超时未支付，订单自动取消"))
            expired += 1
        except DomainError:
            continue  # paid this very moment: the payment event will mark it paid
    return expired


def _require_merchant_staff(actor, order: Order) -> None:
    if not is_platform_operator(actor):
        require_role(actor, order.merchant)


@transaction.atomic
def mark_ready_for_pickup(*, staff, order: Order) -> Order:
    _require_merchant_staff(staff, order)
    transition(order, S.READY_FOR_PICKUP, actor=staff, note=_("商品已备好，可到店自提"))
    _tell_shopper(order, _("订单 %(number)s 已备好，请按时到店自提。") % {"number": order.number})
    return order


@transaction.atomic
def ship_order(*, staff, order: Order, note: str = "") -> Order:
    _require_merchant_staff(staff, order)
    if order.fulfilment != F_.DELIVERY:
        raise field_error("fulfilment", _("只有配送订单可以发货。"))
    if Delivery.objects.filter(order=order).exists():  # the rider's pick-up ships it
        raise Conflict(
            _("同城配送订单由骑手接单、取货并送达，不能在此发货；请在「同城配送」查看进度。"),
            code="rider_delivery",
        )
    transition(order, S.SHIPPED, actor=staff, note=note or _("门店已发货"))
    _tell_shopper(order, _("订单 %(number)s 已发出，正在配送。") % {"number": order.number})
    return order


@transaction.atomic
def confirm_delivery(*, actor, order: Order) -> Order:
    """The shopper confirms receipt, or the store records the hand-over."""
    if order.shopper_id != getattr(actor, "pk", None):
        _require_merchant_staff(actor, order)
    transition(order, S.COMPLETED, actor=actor, note=_("已签收"))
    return order
