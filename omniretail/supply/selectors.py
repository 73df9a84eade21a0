"""Reads of the channel, scoped to the acting user: a producer sees its goods and the
purchase orders that hold them, a region its selections, retailers and their orders, a
retailer its own orders; the platform sees everything. Anyone else's is "not found"."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of, require_user
from omniretail.catalog.models import Product
from omniretail.core.errors import NotFound, field_error
from omniretail.core.money import ZERO, money
from omniretail.inventory.models import StockLevel
from omniretail.ledger.units import fen_to_yuan
from omniretail.orders.models import Order, OrderLine
from omniretail.stores.models import Store
from omniretail.stores.selectors import nearby_stores
from omniretail.supply.models import (
    Allocation,
    Offer,
    Placement,
    ProducerApplication,
    PurchaseOrder,
    RegionalOffer,
    RoutingDecision,
    Shipment,
    ShipmentLine,
    Statement,
)

SOLD = [
    Order.Status.PAID,
    Order.Status.READY_FOR_PICKUP,
    Order.Status.SHIPPED,
    Order.Status.COMPLETED,
    Order.Status.REFUND_REQUESTED,
]
FORECAST_HISTORY_WEEKS = 8
FORECAST_WEEKS = 4


def _orgs(user, kind: str) -> QuerySet[Organization]:
    require_user(user)
    if is_platform_operator(user):
        return Organization.objects.filter(kind=kind)
    return organizations_of(user, kinds=[kind])


def producers_of(user) -> QuerySet[Organization]:
    return _orgs(user, Organization.Kind.PRODUCER)


def regions_of(user) -> QuerySet[Organization]:
    return _orgs(user, Organization.Kind.REGION)


def retailers_of(user) -> QuerySet[Organization]:
    return _orgs(user, Organization.Kind.MERCHANT)


def _one(qs, public_id: str, message):
    found = qs.filter(public_id=public_id).first()
    if found is None:
        raise NotFound(message)
    return found


def producer_for(user, public_id: str) -> Organization:
    return _one(producers_of(user), public_id, _("找不到该生产商。"))


def region_for(user, public_id: str) -> Organization:
    return _one(regions_of(user), public_id, _("找不到该运营中心。"))


def application_of(user) -> ProducerApplication | None:
    """The producer application of an organisation the user belongs to (pending or not)."""
    require_user(user)
    return (
        ProducerApplication.objects.filter(organization__memberships__user=user)
        .select_related("organization")
        .first()
    )


def pending_applications(user) -> QuerySet[ProducerApplication]:
    require_user(user)
    if not is_platform_operator(user):
        return ProducerApplication.objects.none()
    return ProducerApplication.objects.filter(
        status=ProducerApplication.Status.PENDING
    ).select_related("organization")


def application_for(user, public_id: str) -> ProducerApplication:
    return _one(pending_applications(user), public_id, _("找不到该申请。"))


# --- goods ----------------------------------------------------------------------------------


def _offers() -> QuerySet[Offer]:
    return Offer.objects.select_related(
        "sku", "product", "product__category", "producer", "placement_category"
    )


def offers_for(user, *, producer: Organization | None = None) -> QuerySet[Offer]:
    """A producer's own offers (the platform's: all)."""
    qs = _offers()
    if producer is not None:
        qs = qs.filter(producer=producer)
    if not is_platform_operator(user):
        qs = qs.filter(producer__in=producers_of(user))
    return qs.order_by("-created_at", "-id")


def offer_for(user, public_id: str) -> Offer:
    """An offer the user may edit (its producer's) or, for a region, any approved one."""
    qs = offers_for(user)
    found = qs.filter(public_id=public_id).first()
    if found is None and regions_of(user).exists():
        found = approved_offers().filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("找不到该商品。"))
    return found


def review_queue(user) -> QuerySet[Product]:
    """Channel goods awaiting the management centre's review, oldest first."""
    require_user(user)
    if not is_platform_operator(user):
        return Product.objects.none()
    return (
        Product.objects.filter(status=Product.Status.SUBMITTED, supply_offers__isnull=False)
        .distinct()
        .select_related("owner", "category")
        .prefetch_related("supply_offers__sku")
        .order_by("submitted_at", "id")
    )


def queued_product(user, public_id: str) -> Product:
    return _one(review_queue(user), public_id, _("找不到待审核的商品。"))


def approved_offers() -> QuerySet[Offer]:
    return _offers().filter(product__status=Product.Status.APPROVED, sku__is_active=True)


def approved_offer(public_id: str) -> Offer:
    """The approved offer a region selects; an unknown one is a refusal of the form's field."""
    found = approved_offers().filter(public_id=public_id).first()
    if found is None:
        raise field_error("offer", _("找不到已通过审核的该商品。"))
    return found


def offers_for_region(region: Organization) -> QuerySet[Offer]:
    """What a region chooses from: approved offers, those the management centre placed in
    this region first (seed 004 c), then the newest."""
    placed = Exists(Placement.objects.filter(product=OuterRef("product"), region=region))
    return approved_offers().annotate(placed_here=placed).order_by("-placed_here", "-created_at")


def placed_regions(products) -> dict[int, list[Organization]]:
    """Product id -> the regions it is placed in (none: every region)."""
    by_product: dict[int, list[Organization]] = {}
    for placement in Placement.objects.filter(product__in=products).select_related("region"):
        by_product.setdefault(placement.product_id, []).append(placement.region)
    return by_product


def regions_by_id(public_ids: list[str]) -> list[Organization]:
    """The active regions a review names; an unknown id is a refusal of `regions`."""
    found = {
        r.public_id: r
        for r in Organization.objects.filter(
            kind=Organization.Kind.REGION, is_active=True, public_id__in=public_ids
        )
    }
    unknown = [i for i in public_ids if i not in found]
    if unknown:
        raise field_error("regions", _("找不到运营中心：%(ids)s") % {"ids": "、".join(unknown)})
    return [found[i] for i in dict.fromkeys(public_ids)]


def shown_in_region(region: Organization) -> Q:
    """The shopper's mall in `region` (seed 004 b–d): a catalogue product outside the
    channel, a channel product placed nowhere (every region), placed in this region, or
    selected by it for its retailers. Filter Product querysets with it."""
    channel = Exists(Offer.objects.filter(product=OuterRef("pk")))
    placed_anywhere = Exists(Placement.objects.filter(product=OuterRef("pk")))
    placed_here = Exists(Placement.objects.filter(product=OuterRef("pk"), region=region))
    selected_here = Exists(
        RegionalOffer.objects.filter(offer__product=OuterRef("pk"), region=region, is_active=True)
    )
    return Q(~channel) | Q(~placed_anywhere) | Q(placed_here) | Q(selected_here)


def region_selection(region: Organization) -> QuerySet[RegionalOffer]:
    return RegionalOffer.objects.filter(region=region).select_related(
        "offer__sku", "offer__product", "offer__producer", "offer__placement_category"
    )


def regional_offer_for(user, public_id: str) -> RegionalOffer:
    """A selection of the user's region, or of the region the user's retailer belongs to."""
    require_user(user)
    qs = RegionalOffer.objects.select_related("offer__sku", "offer__product", "region")
    if not is_platform_operator(user):
        regions = list(regions_of(user).values_list("pk", flat=True)) + list(
            retailers_of(user).values_list("region_id", flat=True)
        )
        qs = qs.filter(region_id__in=regions)
    return _one(qs, public_id, _("找不到该区域商品。"))


def catalogue_for_retailer(retailer: Organization) -> QuerySet[RegionalOffer]:
    """What a retailer may buy: its region's active selections of approved goods."""
    return region_selection(retailer.region).filter(
        is_active=True, offer__product__status=Product.Status.APPROVED
    )


# --- purchase orders ------------------------------------------------------------------------


def purchase_orders_for(user) -> QuerySet[PurchaseOrder]:
    """Retailers see theirs, regions their retailers', producers those holding their goods."""
    require_user(user)
    qs = PurchaseOrder.objects.select_related("retailer", "region", "store")
    if is_platform_operator(user):
        return qs
    mine = organizations_of(user)
    return qs.filter(
        Q(retailer__in=mine) | Q(region__in=mine) | Q(lines__producer__in=mine)
    ).distinct()


def purchase_order_for(user, public_id: str) -> PurchaseOrder:
    return _one(purchase_orders_for(user), public_id, _("找不到该采购单。"))


def shipment_for(user, public_id: str) -> Shipment:
    orders = purchase_orders_for(user)
    found = (
        Shipment.objects.filter(public_id=public_id, order__in=orders)
        .select_related("order__store", "order__retailer")
        .first()
    )
    if found is None:
        raise NotFound(_("找不到该发货单。"))
    return found


def discrepancies(order: PurchaseOrder) -> QuerySet[ShipmentLine]:
    """Shipment lines received short."""
    return ShipmentLine.objects.filter(
        shipment__order=order, quantity_received__lt=F("quantity")
    ).select_related("shipment", "po_line__sku__product")


def retailers_of_region(region: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(region=region, kind=Organization.Kind.MERCHANT)


def region_demand(region: Organization) -> list[dict]:
    """Units ordered by the region's retailers per SKU: what the region's shops ask for."""
    return list(
        PurchaseOrder.objects.filter(region=region)
        .exclude(status=PurchaseOrder.Status.CANCELLED)
        .values("lines__sku__code", "lines__sku__product__name")
        .annotate(ordered=Sum("lines__quantity"), received=Sum("lines__quantity_received"))
        .order_by("-ordered")
    )


# --- the auto-populated shop ------------------------------------------------------------------


@dataclass(frozen=True)
class ShopItem:
    product: Product
    sku_id: int
    sku_name: str
    price: Decimal
    available: int

    @property
    def in_stock(self) -> bool:
        return self.available > 0


def shop_of(store: Store) -> list[ShopItem]:
    """What a retailer's online shop lists: every approved SKU its store has ever stocked,
    at the retail price, out-of-stock ones kept and marked (never listed by hand)."""
    levels = (
        StockLevel.objects.filter(
            location__store=store,
            sku__is_active=True,
            sku__product__status=Product.Status.APPROVED,
        )
        .select_related("sku__product")
        .order_by("-on_hand", "sku__product__name", "sku_id")
    )
    return [
        ShopItem(
            product=level.sku.product,
            sku_id=level.sku_id,
            sku_name=level.sku.name,
            price=level.sku.price,
            available=level.on_hand - level.reserved,
        )
        for level in levels
    ]


@dataclass(frozen=True)
class MallItem:
    product: Product
    sku_public_id: str
    price: Decimal
    store: Store
    distance_m: int
    available: int


def mall_near(*, lat, lon, radius_m: int = 5000, limit: int = 60) -> list[MallItem]:
    """The H5 mall around a shopper: each approved product that a nearby store (the stores'
    own nearby search) has in stock now, with the nearest such store; goods out of stock
    everywhere around are hidden. Three queries whatever the number of stores."""
    near = nearby_stores(lat=lat, lon=lon, radius_m=radius_m, limit=100)
    by_store = {n.store.pk: n for n in near}
    levels = (
        StockLevel.objects.filter(
            location__store_id__in=by_store,
            on_hand__gt=F("reserved"),
            sku__is_active=True,
            sku__product__status=Product.Status.APPROVED,
        )
        .select_related("sku__product", "location")
        .order_by()
    )
    best: dict[int, MallItem] = {}
    for level in levels:
        nearby = by_store[level.location.store_id]
        product = level.sku.product
        current = best.get(product.pk)
        if current is None or nearby.distance_m < current.distance_m:
            best[product.pk] = MallItem(
                product=product,
                sku_public_id=level.sku.public_id,
                price=level.sku.price,
                store=nearby.store,
                distance_m=nearby.distance_m,
                available=level.on_hand - level.reserved,
            )
    items = sorted(best.values(), key=lambda i: (i.distance_m, i.product.name))
    return items[:limit]


def routing_of(order_id: str) -> RoutingDecision | None:
    return RoutingDecision.objects.select_related("store").filter(order_id=order_id).first()


# --- market feedback ----------------------------------------------------------------------


def sold_lines(*, producer: Organization | None = None, region: Organization | None = None):
    qs = OrderLine.objects.filter(order__status__in=SOLD, sku__offer__isnull=False)
    if producer is not None:
        qs = qs.filter(sku__offer__producer=producer)
    if region is not None:
        qs = qs.filter(Q(order__merchant__region=region) | Q(order__merchant=region))
    return qs


def sell_through(producer: Organization) -> list[dict]:
    """Per region and store: units received from purchase orders, units sold to shoppers,
    units returned, and the sell-through rate (sold / received)."""
    rows: dict[tuple, dict] = {}
    for region_name, store_name, n in (
        PurchaseOrder.objects.filter(lines__producer=producer)
        .values_list("region__name", "store__name")
        .annotate(n=Sum("lines__quantity_received"))
        .order_by()
    ):
        rows.setdefault((region_name, store_name), {"received": 0, "sold": 0, "returned": 0})
        rows[(region_name, store_name)]["received"] += n or 0
    for region_name, store_name, sold, returned in (
        sold_lines(producer=producer)
        .values_list("order__merchant__region__name", "order__store__name")
        .annotate(sold=Sum("quantity"), returned=Sum("quantity_returned"))
        .order_by()
    ):
        key = (region_name or "-", store_name or _("区域仓"))
        rows.setdefault(key, {"received": 0, "sold": 0, "returned": 0})
        rows[key]["sold"] += sold or 0
        rows[key]["returned"] += returned or 0
    out = []
    for (region_name, store_name), row in sorted(rows.items()):
        rate = round(100 * row["sold"] / row["received"]) if row["received"] else None
        out.append({"region": region_name, "store": store_name, **row, "rate": rate})
    return out


def weekly_sales(producer: Organization, *, codes, weeks: int = FORECAST_HISTORY_WEEKS, now=None):
    """{sku code: [units sold per week, oldest first]} for each of the producer's SKU `codes`,
    over the last `weeks` whole weeks plus the current one."""
    now = now or timezone.now()
    start = timezone.localtime(now).date() - timedelta(days=7 * weeks)
    start -= timedelta(days=start.weekday())
    week_starts = [start + timedelta(days=7 * i) for i in range(weeks + 1)]
    series: dict[str, list[int]] = {code: [0] * len(week_starts) for code in codes}
    rows = (
        sold_lines(producer=producer)
        .filter(order__paid_at__date__gte=start)
        .annotate(week=TruncWeek("order__paid_at"))
        .values_list("sku__code", "week")
        .annotate(n=Sum("quantity"))
        .order_by()
    )
    for code, week, n in rows:
        index = (timezone.localtime(week).date() - start).days // 7 if week else None
        if code in series and index is not None and 0 <= index < len(week_starts):
            series[code][index] += n
    return week_starts, series


def offers_for_producer(producer: Organization) -> QuerySet[Offer]:
    return _offers().filter(producer=producer).order_by("sku__code")


def forecast(history: list[int]) -> list[int]:
    """Next four weeks of demand: a weighted moving average of the past weeks (the most
    recent week weighs most: weights 1, 2, ... n), the same figure for each coming week,
    rounded half up to whole units. Simple on purpose: a producer can check it by hand."""
    if not history:
        return [0] * FORECAST_WEEKS
    weights = range(1, len(history) + 1)
    total = sum(w * h for w, h in zip(weights, history, strict=True))
    level = (Decimal(total) / sum(weights)).quantize(Decimal(1), rounding="ROUND_HALF_UP")
    return [int(level)] * FORECAST_WEEKS


def demand_forecast(producer: Organization, *, now=None) -> list[dict]:
    """Per SKU: the weekly history (last full weeks, the current partial week left out) and
    the 4-week forecast."""
    names = {o.sku.code: o.product.name for o in offers_for_producer(producer)}
    _week_starts, series = weekly_sales(producer, codes=names, now=now)
    return [
        {
            "sku": code,
            "name": names.get(code, code),
            "history": history[:-1],
            "this_week": history[-1],
            "forecast": forecast(history[:-1]),
        }
        for code, history in sorted(series.items())
    ]


def sales_by_region(*, producer: Organization | None = None, region: Organization | None = None):
    """Consumer sales of channel goods per region, in yuan, for the chart."""
    rows = (
        sold_lines(producer=producer, region=region)
        .values_list("order__merchant__region__name", "order__merchant__name")
        .annotate(total=Sum("line_total"))
        .order_by()
    )
    totals: dict[str, Decimal] = {}
    for region_name, merchant_name, total in rows:
        name = region_name or merchant_name
        totals[name] = money(totals.get(name, ZERO) + (total or ZERO))
    return sorted(totals.items())


# --- settlement -----------------------------------------------------------------------------


def statements_for(user) -> QuerySet[Statement]:
    require_user(user)
    qs = Statement.objects.select_related("organization")
    if not is_platform_operator(user):
        qs = qs.filter(organization__in=organizations_of(user))
    return qs.order_by("-period_end", "organization__name", "id")


def statement_for(user, public_id: str) -> Statement:
    return _one(statements_for(user), public_id, _("找不到该结算单。"))


def statement_lines(statement: Statement) -> QuerySet[Allocation]:
    return statement.allocations.order_by("created_at", "id")


def allocations_of_sale(source_ref: str) -> QuerySet[Allocation]:
    return Allocation.objects.filter(source_ref=source_ref).select_related("organization")


def statement_csv_rows(statement: Statement):
    """Header then one row per share, ending with the total: what the CSV export holds.
    `waived` is the platform's share kept under the joining fee waiver (免收)."""
    yield [
        "source",
        "kind",
        "number",
        "party",
        "organization",
        "sale_total",
        "share",
        "posted_at",
        "waived",
    ]
    for row in statement_lines(statement):
        yield [
            row.source_kind,
            row.kind,
            row.source_number,
            row.party,
            statement.organization.name,
            str(fen_to_yuan(row.gross_fen)),
            str(fen_to_yuan(row.amount_fen)),
            timezone.localtime(row.created_at).isoformat(timespec="seconds"),
            str(fen_to_yuan(row.waived_fen)),
        ]
    total = str(fen_to_yuan(statement.total_fen))
    waived = str(fen_to_yuan(statement.waived_fen))
    yield ["total", "", "", "", statement.organization.name, "", total, "", waived]
