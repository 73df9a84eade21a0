"""Every stock change is one conditional UPDATE on the level plus one journal row, in one
transaction: the guard in the WHERE clause is the availability check, so there is no window
between checking and changing (the lesson of Oscar's race)."""

from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator, require_role
from omniretail.catalog.models import Sku
from omniretail.core import inserts
from omniretail.core.errors import Conflict, field_error, require_quantity
from omniretail.core.ids import new_public_id
from omniretail.inventory import selectors
from omniretail.inventory.models import (
    Reservation,
    StockLevel,
    StockLocation,
    StockMovement,
    Transfer,
)

Kind = StockMovement.Kind
DEFAULT_RESERVATION_TTL = timedelta(minutes=15)
MAX_QUANTITY = 100_000


class OutOfStock(Conflict):
    code = "out_of_stock"


def _out_of_stock(sku) -> OutOfStock:
    """Shoppers read this at checkout: the goods' names, never the SKU code."""
    if not hasattr(sku, "product"):
        sku = Sku.objects.select_related("product").get(pk=sku)
    return OutOfStock(
        _("「%(product)s %(sku)s」库存不足，请减少数量或选择其他门店。")
        % {"product": sku.product.name, "sku": sku.name},
        fields={"quantity": _("库存不足")},
    )


def _quantity(value, field: str = "quantity") -> int:
    return require_quantity(value, field=field, maximum=MAX_QUANTITY)


def _authorize(actor, location: StockLocation) -> None:
    if not is_platform_operator(actor):
        require_role(actor, location.organization)


def stock_level(location: StockLocation, sku) -> StockLevel:
    """The level row, created at zero on first use (a concurrent creator wins harmlessly);
    a counter's bay has its row from the day the bay is added."""
    try:
        with transaction.atomic():
            level, _created = StockLevel.objects.get_or_create(location=location, sku=sku)
    except IntegrityError:
        level = StockLevel.objects.get(location=location, sku=sku)
    return level


def _apply(
    *,
    location_id: int,
    sku_id: int,
    kind: str,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    guard: Q | None = None,
    reason: str = "",
    reference: str = "",
    actor=None,
) -> bool:
    """A level change and its journal row (by ids: a reservation's release reads neither its
    location nor its SKU row)."""
    if not _change_level(
        location_id=location_id,
        sku_id=sku_id,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        guard=guard,
    ):
        return False
    _movement(
        location_id=location_id,
        sku_id=sku_id,
        kind=kind,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        reason=reason,
        reference=reference,
        actor=actor,
    ).save()
    return True


def _change_level(
    *, location_id: int, sku_id: int, on_hand_delta: int, reserved_delta: int, guard: Q | None
) -> bool:
    """The one place a level changes: a conditional UPDATE, False when its guard (or a
    missing row) refused it. Each caller writes the journal row of a change made."""
    return bool(
        StockLevel.objects.filter(location_id=location_id, sku_id=sku_id)
        .filter(guard or Q())
        .update(on_hand=F("on_hand") + on_hand_delta, reserved=F("reserved") + reserved_delta)
    )


def _movement(
    *,
    location_id: int,
    sku_id: int,
    kind: str,
    on_hand_delta: int = 0,
    reserved_delta: int = 0,
    reason: str = "",
    reference: str = "",
    actor=None,
) -> StockMovement:
    """The journal row of a level change, unsaved."""
    return StockMovement(
        location_id=location_id,
        sku_id=sku_id,
        kind=kind,
        on_hand_delta=on_hand_delta,
        reserved_delta=reserved_delta,
        reason=reason[:200],
        reference=reference[:64],
        actor=actor if getattr(actor, "pk", None) else None,
    )


def _put_on_shelf(*, kind: str, location, sku, quantity: int, reason="", reference="", actor=None):
    """Stock arriving (receipt, return, transfer in) needs no guard, only a level row."""
    stock_level(location, sku)
    _apply(
        location_id=location.pk,
        sku_id=sku.pk,
        kind=kind,
        on_hand_delta=quantity,
        reason=reason,
        reference=reference,
        actor=actor,
    )


def _available_at_least(quantity: int) -> Q:
    return Q(on_hand__gte=F("reserved") + quantity)


def location_for_store(store) -> StockLocation:
    """Each store has exactly one stock location, made on first use (read from the store
    when it was loaded with `select_related("stock_location")`)."""
    try:
        return store.stock_location
    except StockLocation.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return StockLocation.objects.create(
                kind=StockLocation.Kind.STORE,
                name=store.name,
                organization_id=store.merchant_id,
                store=store,
                lat=store.lat,
                lon=store.lon,
            )
    except IntegrityError:
        return StockLocation.objects.get(store=store)


def create_location(*, actor, organization, kind: str, name: str, lat=None, lon=None):
    if kind not in StockLocation.Kind.values or kind == StockLocation.Kind.STORE:
        raise field_error("kind", _("请选择售货柜或区域仓；门店库位随门店自动创建。"))
    if not is_platform_operator(actor):
        require_role(actor, organization)
    return StockLocation.objects.create(
        kind=kind, name=name, organization=organization, lat=lat, lon=lon
    )


@transaction.atomic
def receive_stock(*, actor, location, sku, quantity: int, reason: str = "", reference: str = ""):
    _authorize(actor, location)
    _put_on_shelf(
        kind=Kind.RECEIPT,
        location=location,
        sku=sku,
        quantity=_quantity(quantity),
        reason=reason,
        reference=reference,
        actor=actor,
    )
    return StockLevel.objects.get(location=location, sku=sku)


@transaction.atomic
def adjust_stock(*, actor, location, sku, delta: int, reason: str):
    """A stock-take correction: never below what is reserved for customers."""
    _authorize(actor, location)
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise field_error("delta", _("调整数量必须是非零整数。"))
    if abs(delta) > MAX_QUANTITY:
        raise field_error("delta", _("调整数量过大。"))
    if not (reason or "").strip():
        raise field_error("reason", _("请填写调整原因。"))
    stock_level(location, sku)
    guard = Q(on_hand__gte=F("reserved") - delta) if delta < 0 else Q()
    if not _apply(
        location_id=location.pk,
        sku_id=sku.pk,
        kind=Kind.ADJUSTMENT,
        on_hand_delta=delta,
        guard=guard,
        reason=reason,
        actor=actor,
    ):
        raise OutOfStock(_("调整后库存将低于已预留数量。"), fields={"delta": _("超出可用库存")})
    return StockLevel.objects.get(location=location, sku=sku)


@transaction.atomic
def reserve(*, location, sku, quantity: int, reference: str, ttl: timedelta | None = None):
    """Hold stock for a customer; refused in the same statement when not enough is free."""
    quantity = _quantity(quantity)
    if not _apply(
        location_id=location.pk,
        sku_id=sku.pk,
        kind=Kind.RESERVATION,
        reserved_delta=quantity,
        guard=_available_at_least(quantity),
        reference=reference,
    ):
        raise _out_of_stock(sku)
    return Reservation.objects.create(
        location=location,
        sku=sku,
        quantity=quantity,
        reference=reference,
        expires_at=timezone.now() + (ttl or DEFAULT_RESERVATION_TTL),
    )


# One line's reservation on PostgreSQL in one statement: the guarded UPDATE of its level,
# then (only when it held) the journal row and the reservation, in data-modifying CTEs.
# No row back means the level was short and nothing was written.
RESERVE_LINE_SQL = """
WITH level AS (
    UPDATE inventory_stocklevel SET reserved = reserved + %(quantity)s
    WHERE location_id = %(location)s AND sku_id = %(sku)s
      AND on_hand >= reserved + %(quantity)s
    RETURNING location_id, sku_id
), journal AS (
    INSERT INTO inventory_stockmovement (location_id, sku_id, kind, on_hand_delta,
        reserved_delta, reason, reference, actor_id, created_at)
    SELECT location_id, sku_id, %(kind)s, 0, %(quantity)s, '', %(journal_reference)s, NULL,
        %(now)s
    FROM level
)
INSERT INTO inventory_reservation (public_id, location_id, sku_id, quantity, status,
    reference, expires_at, created_at)
SELECT %(public_id)s, location_id, sku_id, %(quantity)s, %(status)s, %(reference)s,
    %(expires_at)s, %(now)s
FROM level
RETURNING id
"""


@transaction.atomic(savepoint=False)
def reserve_lines(
    *, location, lines: list[tuple], reference: str, ttl: timedelta | None = None
) -> list[Reservation]:
    """Hold stock for every (sku, quantity) of one order, or refuse them all. Without a
    savepoint of its own, a refusal dooms the caller's transaction too (checkout wants that).
    Rows are updated in SKU primary-key order, so two orders of the same SKUs never deadlock;
    the reservations come back in the order of `lines` (checkout pairs them with its lines).
    On PostgreSQL each line is one statement (RESERVE_LINE_SQL: checkout's hot path, a
    quarter of its CPU in the ORM's compiler before); elsewhere one guarded UPDATE per line,
    then the journal rows and reservations in one insert each."""
    quantities = [(sku, _quantity(quantity)) for sku, quantity in lines]
    now = timezone.now()
    expires_at = now + (ttl or DEFAULT_RESERVATION_TTL)
    in_key_order = sorted(range(len(quantities)), key=lambda i: quantities[i][0].pk)
    if connection.vendor == "postgresql":
        return _reserve_lines_in_one_statement_each(
            location, quantities, in_key_order, reference=reference, now=now, expires_at=expires_at
        )
    for index in in_key_order:
        sku, quantity = quantities[index]
        reserved = (
            StockLevel.objects.filter(location=location, sku=sku)
            .filter(_available_at_least(quantity))
            .update(reserved=F("reserved") + quantity)
        )
        if not reserved:
            raise _out_of_stock(sku)
    StockMovement.objects.bulk_create(
        StockMovement(
            location=location,
            sku=sku,
            kind=Kind.RESERVATION,
            reserved_delta=quantity,
            reference=reference[:64],
        )
        for sku, quantity in quantities
    )
    return Reservation.objects.bulk_create(
        Reservation(
            location=location,
            sku=sku,
            quantity=quantity,
            reference=reference,
            expires_at=expires_at,
        )
        for sku, quantity in quantities
    )


def _reserve_lines_in_one_statement_each(
    location, quantities, in_key_order, *, reference, now, expires_at
) -> list[Reservation]:
    """RESERVE_LINE_SQL per line in SKU key order; the reservations as `bulk_create` would
    have left them (saved, in the order of `quantities`)."""
    reservations: list = [None] * len(quantities)
    with connection.cursor() as cursor:
        for index in in_key_order:
            sku, quantity = quantities[index]
            public_id = new_public_id()
            cursor.execute(
                RESERVE_LINE_SQL,
                {
                    "quantity": quantity,
                    "location": location.pk,
                    "sku": sku.pk,
                    "kind": Kind.RESERVATION,
                    "journal_reference": reference[:64],
                    "now": now,
                    "public_id": public_id,
                    "status": Reservation.Status.ACTIVE,
                    "reference": reference,
                    "expires_at": expires_at,
                },
            )
            row = cursor.fetchone()
            if row is None:
                raise _out_of_stock(sku)
            reservation = Reservation(
                public_id=public_id,
                location=location,
                sku=sku,
                quantity=quantity,
                reference=reference,
                expires_at=expires_at,
                created_at=now,
            )
            inserts.mark_saved([reservation], [row[0]])
            reservations[index] = reservation
    return reservations


def reserve_first(
    *, locations: list, lines: list[tuple], reference: str, ttl: timedelta | None = None
) -> tuple[int, list[Reservation]]:
    """One ranked reservation (Saleor's `allocate_stocks` in spirit): hold every line at the
    first of `locations`, in the caller's rank, that has them all, and return its index with
    the reservations. With several candidates each try is a savepoint around its stock
    updates only, so a short location costs two statements, not a whole checkout; a single
    location is `reserve_lines` itself, whose refusal dooms the caller's transaction."""
    if len(locations) == 1:
        return 0, reserve_lines(location=locations[0], lines=lines, reference=reference, ttl=ttl)
    short = None
    for index, location in enumerate(locations):
        try:
            with transaction.atomic():
                return index, reserve_lines(
                    location=location, lines=lines, reference=reference, ttl=ttl
                )
        except OutOfStock as refusal:
            short = refusal
    raise short or OutOfStock(_("没有可发货的库位。"))


def refuse_if_short(*, locations: list, lines: list[tuple]) -> None:
    """Refuse as `reserve_first` would when no location has the free stock for every line,
    from one read without locks: most of a flash sale's checkouts meet goods already gone,
    and each is answered before any order work. Passing holds nothing: the guarded
    UPDATEs still decide."""
    if not locations:
        raise OutOfStock(_("没有可发货的库位。"))
    free = selectors.available_by_location(
        [sku.pk for sku, _q in lines], [location.pk for location in locations]
    )
    in_key_order = sorted(lines, key=lambda line: line[0].pk)
    for location in locations:
        short = next(
            (sku for sku, q in in_key_order if free.get((location.pk, sku.pk), 0) < q), None
        )
        if short is None:
            return
    raise _out_of_stock(short)


def _close_reservation(reservation: Reservation, status: str) -> bool:
    """Move an active reservation to its end state once; False when already closed."""
    return bool(
        Reservation.objects.filter(pk=reservation.pk, status=Reservation.Status.ACTIVE).update(
            status=status
        )
    )


@transaction.atomic
def release_reservation(*, reservation: Reservation, expired: bool = False) -> bool:
    status = Reservation.Status.EXPIRED if expired else Reservation.Status.RELEASED
    if not _close_reservation(reservation, status):
        return False
    _apply(
        location_id=reservation.location_id,
        sku_id=reservation.sku_id,
        kind=Kind.RELEASE,
        reserved_delta=-reservation.quantity,
        guard=Q(reserved__gte=reservation.quantity),
        reason="expired" if expired else "",
        reference=reservation.reference,
    )
    return True


def _close_active_sql(count: int) -> str:
    """Those of `count` reservations still active, made committed, answering their ids."""
    qn = connection.ops.quote_name
    return (
        f"UPDATE {qn(Reservation._meta.db_table)} SET {qn('status')} = %s "
        f"WHERE {qn('id')} IN ({', '.join(['%s'] * count)}) AND {qn('status')} = %s "
        f"RETURNING {qn('id')}"
    )


# One committed reservation's level change on PostgreSQL in one statement: the guarded UPDATE,
# then (only when it held) its journal row, as RESERVE_LINE_SQL does for the reservation.
COMMIT_LINE_SQL = """
WITH level AS (
    UPDATE inventory_stocklevel
    SET on_hand = on_hand - %(quantity)s, reserved = reserved - %(quantity)s
    WHERE location_id = %(location)s AND sku_id = %(sku)s AND reserved >= %(quantity)s
    RETURNING location_id, sku_id
)
INSERT INTO inventory_stockmovement (location_id, sku_id, kind, on_hand_delta,
    reserved_delta, reason, reference, actor_id, created_at)
SELECT location_id, sku_id, %(kind)s, -%(quantity)s, -%(quantity)s, '', %(reference)s,
    %(actor)s, %(now)s
FROM level
"""


@transaction.atomic(savepoint=False)
def commit_reservations(*, reservations, actor=None) -> int:
    """The reserved goods leave the shelf (paid and handed over, shipped or vended); how many
    were still active and so committed now. The reservations close in one statement, each
    stock row is updated in SKU key order as checkout reserved them (a payment and a
    checkout of the same goods never wait on each other in a circle), and the journal rows
    go in one insert (on PostgreSQL each with its line's update: COMMIT_LINE_SQL). No
    savepoint: it refuses nothing, and a failing statement fails the caller's payment."""
    if not reservations:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            _close_active_sql(len(reservations)),
            [
                Reservation.Status.COMMITTED,
                *(r.pk for r in reservations),
                Reservation.Status.ACTIVE,
            ],
        )
        closed = {pk for (pk,) in cursor.fetchall()}
    in_key_order = [
        r
        for r in sorted(reservations, key=lambda r: (r.sku_id, r.location_id, r.pk))
        if r.pk in closed
    ]
    if connection.vendor == "postgresql":
        _commit_in_one_statement_each(in_key_order, actor)
        return len(closed)
    moved = []
    for reservation in in_key_order:
        quantity = reservation.quantity
        if _change_level(
            location_id=reservation.location_id,
            sku_id=reservation.sku_id,
            on_hand_delta=-quantity,
            reserved_delta=-quantity,
            guard=Q(reserved__gte=quantity),
        ):
            moved.append(
                _movement(
                    location_id=reservation.location_id,
                    sku_id=reservation.sku_id,
                    kind=Kind.SALE,
                    on_hand_delta=-quantity,
                    reserved_delta=-quantity,
                    reference=reservation.reference,
                    actor=actor,
                )
            )
    StockMovement.objects.bulk_create(moved)
    return len(closed)


def _commit_in_one_statement_each(reservations, actor) -> None:
    """COMMIT_LINE_SQL for each closed reservation, in the order given (SKU key order)."""
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    with connection.cursor() as cursor:
        for reservation in reservations:
            cursor.execute(
                COMMIT_LINE_SQL,
                {
                    "quantity": reservation.quantity,
                    "location": reservation.location_id,
                    "sku": reservation.sku_id,
                    "kind": Kind.SALE,
                    "reference": reservation.reference[:64],
                    "actor": actor_id,
                    "now": now,
                },
            )


@transaction.atomic
def return_stock(*, location, sku, quantity: int, reference: str, actor=None):
    """Goods a customer brought back go back on the shelf they came from."""
    _put_on_shelf(
        kind=Kind.RETURN,
        location=location,
        sku=sku,
        quantity=_quantity(quantity),
        reference=reference,
        actor=actor,
    )


@transaction.atomic
def transfer_stock(*, actor, source, destination, sku, quantity: int, reason: str = ""):
    """Move free stock between locations (store -> counter restock, warehouse -> store)."""
    _authorize(actor, source)
    quantity = _quantity(quantity)
    if source.pk == destination.pk:
        raise field_error("destination", _("调出和调入库位不能相同。"))
    if not is_platform_operator(actor) and destination.organization_id != source.organization_id:
        require_role(actor, destination.organization)
    transfer = Transfer.objects.create(
        source=source,
        destination=destination,
        sku=sku,
        quantity=quantity,
        reason=reason,
        actor=actor,
    )
    if not _apply(
        location_id=source.pk,
        sku_id=sku.pk,
        kind=Kind.TRANSFER_OUT,
        on_hand_delta=-quantity,
        guard=_available_at_least(quantity),
        reason=reason,
        reference=transfer.public_id,
        actor=actor,
    ):
        raise OutOfStock(_("调出库位可用库存不足。"), fields={"quantity": _("库存不足")})
    _put_on_shelf(
        kind=Kind.TRANSFER_IN,
        location=destination,
        sku=sku,
        quantity=quantity,
        reason=reason,
        reference=transfer.public_id,
        actor=actor,
    )
    return transfer


def _lock_sku_levels(sku_ids, *, location_ids=None, kinds=None) -> dict[tuple, StockLevel]:
    """The levels of these SKUs (at these locations or of these kinds), locked in SKU-key
    order, then location: two transactions moving stock of the same SKUs take turns."""
    qs = StockLevel.objects.select_for_update().filter(sku_id__in=sorted(set(sku_ids)))
    if location_ids is not None:
        qs = qs.filter(location_id__in=sorted(set(location_ids)))
    if kinds is not None:
        qs = qs.filter(location_id__in=StockLocation.objects.filter(kind__in=kinds).values("pk"))
    return {(lv.location_id, lv.sku_id): lv for lv in qs.order_by("sku_id", "location_id")}


@transaction.atomic
def transfer_between_skus(
    *, moves: list, reason: str, reference: str = "", actor=None
) -> list[list[int]]:
    """Moves on-hand stock from one SKU to another at the same location, journalled as a
    transfer out and a transfer in (a merged listing's stock onto the kept SKU, and back on
    undo). `moves` are (location id, from SKU id, to SKU id, quantity); only free stock
    moves (reserved stock stays with its orders) and a move that finds too little refuses
    them all: OutOfStock with `details` location, needed, available. Returns the moves."""
    sku_ids = {sku for move in moves for sku in move[1:3]}
    locations = StockLocation.objects.in_bulk({move[0] for move in moves})
    skus = Sku.objects.select_related("product").in_bulk(sku_ids)
    for loc, _from, to, _quantity in moves:
        stock_level(locations[loc], skus[to])
    levels = _lock_sku_levels(sku_ids, location_ids=locations)
    for loc, from_sku, to, quantity in moves:
        if not _apply(
            location_id=locations[loc].pk,
            sku_id=skus[from_sku].pk,
            kind=Kind.TRANSFER_OUT,
            on_hand_delta=-quantity,
            guard=_available_at_least(quantity),
            reason=reason,
            reference=reference,
            actor=actor,
        ):
            level = levels.get((loc, from_sku))
            available = level.available if level else 0
            raise OutOfStock(
                _(
                    "「%(location)s」的「%(product)s %(sku)s」只有 %(available)s 件可用，"
                    "需移动 %(needed)s 件。"
                )
                % {
                    "location": locations[loc].name,
                    "product": skus[from_sku].product.name,
                    "sku": skus[from_sku].name,
                    "available": available,
                    "needed": quantity,
                },
                details={
                    "location": locations[loc].public_id,
                    "needed": quantity,
                    "available": available,
                },
            )
        _apply(
            location_id=locations[loc].pk,
            sku_id=skus[to].pk,
            kind=Kind.TRANSFER_IN,
            on_hand_delta=quantity,
            reason=reason,
            reference=reference,
            actor=actor,
        )
    return [list(move) for move in moves]


@transaction.atomic
def transfer_free_stock_between_skus(
    *, pairs: dict[int, int], kinds: tuple, reason: str, reference: str = "", actor=None
) -> list[list[int]]:
    """All the free stock (on hand less reserved) of each SKU `from` in `pairs` moves onto
    SKU `pairs[from]` at every location of these kinds, read under the lock of both SKUs'
    levels, through transfer_between_skus. Returns [location id, from, to, quantity]."""
    levels = _lock_sku_levels({*pairs, *pairs.values()}, kinds=kinds)
    moves = [
        (loc, sku, pairs[sku], level.available)
        for (loc, sku), level in levels.items()
        if sku in pairs and level.available > 0
    ]
    return transfer_between_skus(moves=moves, reason=reason, reference=reference, actor=actor)


def release_expired_reservations(*, now=None, batch: int = 500) -> int:
    """Give back stock held by reservations past their expiry, the oldest first
    (idempotent: run it often). A holder that still needs its stock pushes the expiry out
    with `hold_reservations` before it comes due."""
    now = now or timezone.now()
    released = 0
    for reservation in (
        Reservation.objects.filter(status=Reservation.Status.ACTIVE, expires_at__lte=now)
        .select_related("location", "sku")
        .order_by("expires_at", "id")[:batch]
    ):
        released += release_reservation(reservation=reservation, expired=True)
    return released


def hold_reservations(*, references, until) -> int:
    """Keep the active reservations of `references` until at least `until`: an order whose
    payment is still being confirmed must not lose its stock to the expiry sweep. Only ever
    moves an expiry later, in one statement."""
    return Reservation.objects.filter(
        reference__in=references, status=Reservation.Status.ACTIVE, expires_at__lt=until
    ).update(expires_at=until)
