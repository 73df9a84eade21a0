"""Order routing: a shopper's delivery order goes to the nearest active store that can supply
every line now; if that store's stock is taken meanwhile, to the next; if no store around
can, to the nearest regional warehouse that can. The candidates come from one query (stock
levels joined to locations inside the bounding box, grouped by location, kept only where
every line is available); the exact distance orders them. The checkout itself is the orders
domain's: inventory reserves at the first candidate that holds every line, so the
reservation there is the final word on stock, and supply records the decision from the
order's `OrderRouted` event."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.core.geo import bounding_box, haversine_m, validate_point
from omniretail.inventory.models import StockLevel, StockLocation
from omniretail.inventory.services import OutOfStock
from omniretail.notifications.services import notify
from omniretail.orders import services as orders
from omniretail.orders.models import Order
from omniretail.supply.models import RoutingDecision

Kind = StockLocation.Kind


@dataclass(frozen=True)
class Candidate:
    location_id: int
    store_id: int | None
    distance_m: float


def radius_m() -> int:
    return settings.OMNI_SUPPLY_ROUTING_RADIUS_M


def _box(lat: float, lon: float, radius: float) -> Q:
    min_lat, max_lat, lon_ranges = bounding_box(lat, lon, radius)
    lon_q = Q()
    for low, high in lon_ranges:
        lon_q |= Q(location__lon__gte=low, location__lon__lte=high)
    return Q(location__lat__gte=min_lat, location__lat__lte=max_lat) & lon_q


def _merged(lines) -> dict[int, int]:
    wanted: dict[int, int] = {}
    for sku, quantity in lines:
        wanted[sku.pk] = wanted.get(sku.pk, 0) + quantity
    return wanted


def candidates(*, lines, lat, lon, kind: str = Kind.STORE, radius: int | None = None):
    """Locations of `kind` that hold every line now, nearest first (within `radius` for
    stores; any distance for warehouses, those without a position last)."""
    lat, lon = validate_point(lat, lon)
    radius = radius or radius_m()
    wanted = _merged(lines)
    enough = Q()
    for sku_id, quantity in wanted.items():
        enough |= Q(sku_id=sku_id, on_hand__gte=F("reserved") + quantity)
    qs = StockLevel.objects.filter(enough, location__kind=kind, location__is_active=True)
    if kind == Kind.STORE:
        qs = qs.filter(_box(lat, lon, radius), location__store__is_active=True)
    rows = (
        qs.values("location_id", "location__store_id", "location__lat", "location__lon")
        .annotate(n=Count("sku_id"))
        .filter(n=len(wanted))
        .order_by()
    )
    found = []
    for row in rows:
        if row["location__lat"] is None or row["location__lon"] is None:
            distance = float("inf")
        else:
            distance = haversine_m(lat, lon, row["location__lat"], row["location__lon"])
        if kind == Kind.STORE and distance > radius:
            continue
        found.append(Candidate(row["location_id"], row["location__store_id"], distance))
    found.sort(key=lambda c: (c.distance_m, c.location_id))
    return found


def route(*, lines, lat, lon) -> list[Candidate]:
    """The order in which locations are tried: stores nearest first, then warehouses."""
    return candidates(lines=lines, lat=lat, lon=lon) + candidates(
        lines=lines, lat=lat, lon=lon, kind=Kind.WAREHOUSE
    )


@transaction.atomic
def place_routed_order(
    *,
    shopper,
    lines,
    lat,
    lon,
    delivery_address: dict,
    payment_provider: str,
    note: str = "",
    coupon: str = "",
    cart=None,
):
    """Check out a delivery order along the route: inventory reserves at the first location
    that holds every line (one ranked reservation, not a checkout per store), and supply
    hears where it went from `OrderRouted` (handlers). A store whose own delivery range
    does not reach the address is left out. `coupon` and `cart` go to the checkout as they
    are (the shop's checkout page routes too)."""
    tried = route(lines=lines, lat=lat, lon=lon)
    locations = StockLocation.objects.select_related("store__merchant", "organization").in_bulk(
        [c.location_id for c in tried]
    )
    fulfilments = []
    for candidate in tried:
        distance = None if candidate.distance_m == float("inf") else round(candidate.distance_m)
        try:
            fulfilments.append(
                orders.routed_fulfilment(
                    location=locations[candidate.location_id],
                    delivery_address=delivery_address,
                    distance_m=distance,
                )
            )
        except ValidationFailed:
            continue  # the store cannot deliver there: the next one may
    try:
        if fulfilments:
            order = orders.checkout(
                shopper=shopper,
                lines=lines,
                fulfilment=fulfilments,
                payment_provider=payment_provider,
                note=note,
                coupon=coupon,
                cart=cart,
            )
            won = next(f for f in fulfilments if f.location.pk == order.location_id)
            # what the event will record, for an answer that cannot wait for it (the API)
            order.routing_decision = _decision(
                order_id=order.public_id,
                location=won.location,
                rank=fulfilments.index(won) + 1,
                candidates=len(fulfilments),
                distance_m=won.distance_m,
            )
            return order
    except OutOfStock:
        pass  # every candidate's stock went meanwhile
    raise Conflict(
        _("附近门店和区域仓都暂时无货，请稍后再试。"),
        code="no_route",
        fields={"lines": _("附近无货")},
    )


def _decision(*, order_id, location, rank, candidates, distance_m) -> RoutingDecision:
    store = location.store
    target = (
        RoutingDecision.Target.WAREHOUSE
        if store is None
        else RoutingDecision.Target.NEAREST
        if rank == 1
        else RoutingDecision.Target.FALLBACK
    )
    return RoutingDecision(
        order_id=order_id,
        store=store,
        location=location,
        target=target,
        rank=rank,
        distance_m=distance_m,
        candidates=candidates,
    )


def record_decision(*, order_id: str, location_id: int, rank: int, candidates: int, distance_m):
    """Why the order went where it went, once per order, and the retailer told at once
    (in-app and SMS to the store)."""
    location = StockLocation.objects.select_related("store").get(pk=location_id)
    store = location.store
    decision = _decision(
        order_id=order_id,
        location=location,
        rank=rank,
        candidates=candidates,
        distance_m=distance_m,
    )
    decision, created = RoutingDecision.objects.get_or_create(
        order_id=order_id,
        defaults={
            f: getattr(decision, f)
            for f in ("store", "location", "target", "rank", "distance_m", "candidates")
        },
    )
    if not created:
        return decision
    order = Order.objects.select_related("merchant").get(public_id=order_id)
    notify(
        organization=order.merchant,
        title=_("系统派单 %(number)s") % {"number": order.number},
        body=_("附近顾客的配送订单已派给%(where)s，距离约 %(m)s 米，请备货并同城配送。")
        % {
            "where": store.name if store else location.name,
            "m": "-" if distance_m is None else distance_m,
        },
        link=f"/merchant/orders/{order.public_id}/",
        sms_to=store.phone if store and store.phone.startswith("1") else "",
    )
    return decision
