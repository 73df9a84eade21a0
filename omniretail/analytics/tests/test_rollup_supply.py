"""The supply roll-up equals a brute-force query over shipments, order lines and reviews,
built in one go and incrementally (new sales, refunds of earlier sales, cancellations, a
receipt, a review hidden); running it again changes nothing."""

import random
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from omniretail.accounts import services as accounts
from omniretail.accounts.models import User
from omniretail.analytics import rollup_supply
from omniretail.analytics.models import DailySupply
from omniretail.analytics.tests.test_rollups import _order, _refund
from omniretail.inventory.services import location_for_store
from omniretail.orders.models import Order, OrderLine
from omniretail.reviews.models import ProductReview
from omniretail.supply.models import (
    Offer,
    PurchaseOrder,
    PurchaseOrderLine,
    RegionalOffer,
    Shipment,
    ShipmentLine,
)

_numbers = iter(range(1, 100_000))
COLUMNS = [
    "units_shipped",
    "units_received",
    "units_sold",
    "units_returned",
    "gmv",
    "refunded",
    "reviews",
    "rating_sum",
    "low_ratings",
]


def offer(sku, producer, price="10.00"):
    return Offer.objects.create(
        sku=sku,
        product=sku.product,
        producer=producer,
        wholesale_price=Decimal(price),
        wholesale_ceiling=Decimal(price) * 2,
    )


def ship(store, region, sku, quantity, sent_at, received_at=None, received=None, n=0):
    """A purchase order of one line shipped at `sent_at`, counted in at `received_at`."""
    o = sku.offer
    selection, _new = RegionalOffer.objects.get_or_create(
        region=region, offer=o, defaults={"wholesale_price": o.wholesale_price}
    )
    po = PurchaseOrder.objects.create(
        number=f"PO{n:08d}",
        retailer=store.merchant,
        region=region,
        store=store,
        status=PurchaseOrder.Status.SHIPPED,
        total=o.wholesale_price * quantity,
    )
    line = PurchaseOrderLine.objects.create(
        order=po,
        regional_offer=selection,
        sku=sku,
        producer=o.producer,
        unit_price=o.wholesale_price,
        quantity=quantity,
        quantity_shipped=quantity,
        line_total=o.wholesale_price * quantity,
    )
    shipment = Shipment.objects.create(order=po)
    ShipmentLine.objects.create(shipment=shipment, po_line=line, quantity=quantity)
    Shipment.objects.filter(pk=shipment.pk).update(created_at=sent_at)
    if received_at:
        receive(shipment, received_at, quantity if received is None else received)
    return shipment


def receive(shipment, at, quantity):
    Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.RECEIVED, received_at=at)
    ShipmentLine.objects.filter(shipment=shipment).update(quantity_received=quantity)


def review(line, at, rating):
    r = ProductReview.objects.create(
        product=line.sku.product,
        sku=line.sku,
        order_line=line,
        merchant=line.order.merchant,
        author=User.objects.create(username=f"rv{line.pk}"),
        rating=rating,
        text="味道不错，包装完好",
    )
    ProductReview.objects.filter(pk=r.pk).update(created_at=at)
    return r


def sell(store, sku, quantity, paid_at, returned=0):
    """A paid order of one line at the store; `returned` units of it refunded later."""
    total = sku.price * quantity
    order = Order.objects.create(
        number=f"SP{next(_numbers):06d}",
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        fulfilment=Order.Fulfilment.PICKUP,
        status=Order.Status.PAID,
        subtotal=total,
        total=total,
        amount_refunded=sku.price * returned,
        paid_at=paid_at,
    )
    return OrderLine.objects.create(
        order=order,
        sku=sku,
        product_name=sku.product.name,
        sku_name=sku.name,
        unit_price=sku.price,
        quantity=quantity,
        quantity_returned=returned,
        line_total=total,
    )


def brute_force() -> dict:
    """Straight aggregates over the raw rows, keyed like the roll-up."""
    cells = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    key = ("day", "producer_pk", "region_pk", "retailer_pk", "sku_pk")

    def put(rows, **columns):
        for r in rows:
            cell = cells[tuple(r[k] for k in key)]
            for column, source in columns.items():
                cell[column] += r[source] or 0

    lines = ShipmentLine.objects.values(
        producer_pk=F("po_line__producer_id"),
        region_pk=F("shipment__order__region_id"),
        retailer_pk=F("shipment__order__retailer_id"),
        sku_pk=F("po_line__sku_id"),
    )
    put(
        lines.annotate(day=TruncDate("shipment__created_at")).annotate(n=Sum("quantity")),
        units_shipped="n",
    )
    put(
        lines.filter(shipment__received_at__isnull=False)
        .annotate(day=TruncDate("shipment__received_at"))
        .annotate(n=Sum("quantity_received")),
        units_received="n",
    )
    put(
        OrderLine.objects.filter(order__paid_at__isnull=False, sku__offer__isnull=False)
        .annotate(day=TruncDate("order__paid_at"))
        .values(
            "day",
            producer_pk=F("sku__offer__producer_id"),
            region_pk=F("order__merchant__region_id"),
            retailer_pk=F("order__merchant_id"),
            sku_pk=F("sku_id"),
        )
        .annotate(
            a=Sum("quantity"),
            b=Sum("quantity_returned"),
            c=Sum("line_total"),
            d=Sum(F("quantity_returned") * F("unit_price")),
        ),
        units_sold="a",
        units_returned="b",
        gmv="c",
        refunded="d",
    )
    put(
        ProductReview.objects.filter(hidden_at__isnull=True, sku__offer__isnull=False)
        .annotate(day=TruncDate("created_at"))
        .values(
            "day",
            producer_pk=F("sku__offer__producer_id"),
            region_pk=F("merchant__region_id"),
            retailer_pk=F("merchant_id"),
            sku_pk=F("sku_id"),
        )
        .annotate(n=Count("id"), s=Sum("rating"), low=Count("id", filter=Q(rating__lte=2))),
        reviews="n",
        rating_sum="s",
        low_ratings="low",
    )
    return {k: {c: Decimal(v) for c, v in cell.items()} for k, cell in cells.items()}


def rolled_up() -> dict:
    return {
        (r.day, r.producer_id, r.region_id, r.retailer_id, r.sku_id): {
            c: Decimal(getattr(r, c)) for c in COLUMNS
        }
        for r in DailySupply.objects.all()
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_supply_rollup_equals_brute_force_at_once_and_incrementally(
    seed, region, producer, store, other_store, foreign_store, sku, sku2, approved_product
):
    rng = random.Random(seed)
    east = accounts.create_organization(kind="region", name="钱塘运营中心", code="hz-east")
    rival = accounts.create_organization(kind="producer", name="山野食品", code="shanye")
    own = approved_product("桂花藕粉", "25.50")
    offer(sku, producer)
    offer(sku2, producer, "120.00")
    offer(own, rival)
    plain = approved_product("普通矿泉水", "2.00")  # no P2R offer: stays out
    skus = [sku, sku2, own, plain]
    stores = [store, other_store, foreign_store]
    now = timezone.now()
    n = 0
    for _ in range(12):
        n += 1
        sent = now - timedelta(minutes=rng.randint(1_500, 43_200))
        received = sent + timedelta(hours=rng.randint(2, 60)) if rng.random() < 0.7 else None
        if received and received > now:
            received = None
        ship(
            rng.choice(stores),
            rng.choice([region, east]),
            rng.choice(skus[:3]),
            rng.randint(5, 40),
            sent,
            received,
            n=n,
        )
    orders = []
    for _ in range(50):
        n += 1
        paid_at = None if rng.random() < 0.15 else now - timedelta(minutes=rng.randint(60, 43_200))
        orders.append(_order(rng, rng.choice(stores), skus, paid_at, n))
    for order in rng.sample([o for o in orders if o.paid_at], 8):
        n += 1
        _refund(rng, order, order.paid_at + timedelta(hours=rng.randint(1, 72)), n)
    reviews = [
        review(line, line.order.paid_at + timedelta(days=rng.randint(1, 5)), rng.randint(1, 5))
        for line in OrderLine.objects.filter(order__paid_at__lt=now - timedelta(days=6))[:15]
    ]
    rollup_supply.rollup_supply_changes()
    assert rolled_up() == brute_force()
    assert sum(r.units_received for r in DailySupply.objects.all()) > 0
    assert not DailySupply.objects.filter(sku=plain).exists()

    # later: sales today, a refund of an old sale, a shipment counted in today, a review hidden
    refunded = {o.pk for o in orders if o.amount_refunded}
    for order in rng.sample([o for o in orders if o.paid_at and o.pk not in refunded], 3):
        n += 1
        _refund(rng, order, timezone.now(), n)
    for _ in range(6):
        n += 1
        _order(rng, rng.choice(stores), skus, timezone.now(), n)
    waiting = Shipment.objects.filter(received_at__isnull=True).first() or ship(
        store, region, sku, 7, now - timedelta(days=3), n=n + 1
    )
    receive(waiting, timezone.now(), 5)  # two short
    ProductReview.objects.filter(pk=reviews[0].pk).update(hidden_at=timezone.now())
    rollup_supply.rollup_supply_changes()
    assert rolled_up() == brute_force()

    before = rolled_up()
    rollup_supply.rollup_supply_changes()  # nothing new: the same rows
    rollup_supply.rollup_supply_day(timezone.localdate())
    assert rolled_up() == before
