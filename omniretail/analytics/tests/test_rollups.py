"""The roll-ups equal a brute-force query over raw rows, built in one go and incrementally
(a second run after new sales, refunds of earlier sales and cancellations)."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, OuterRef, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from omniretail.analytics import services
from omniretail.analytics.models import Channel, DailyProductSales, DailySales
from omniretail.inventory.services import location_for_store
from omniretail.orders.models import Order, OrderLine
from omniretail.payments.models import PaymentIntent, Refund

S = Order.Status
FULFILMENT_CHANNEL = {
    "delivery": Channel.DELIVERY,
    "pickup": Channel.PICKUP,
    "in_store": Channel.TILL,
    "counter": Channel.COUNTER,
}


def _order(rng, store, skus, paid_at, n):
    lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.randint(1, len(skus)))]
    subtotal = sum(sku.price * q for sku, q in lines)
    order = Order.objects.create(
        number=f"T{n:08d}",
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        fulfilment=rng.choice(list(FULFILMENT_CHANNEL)),
        status=S.PAID if paid_at else S.CANCELLED,
        subtotal=subtotal,
        total=subtotal,
        paid_at=paid_at,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            sku=sku,
            product_name=sku.product.name,
            sku_name=sku.name,
            unit_price=sku.price,
            quantity=q,
            line_total=sku.price * q,
        )
        for sku, q in lines
    )
    return order


def _refund(rng, order, at, n):
    """What payments and orders write on a refund: a succeeded Refund of the order's intent,
    the order's amount_refunded (an UPDATE that leaves updated_at alone) and returned units."""
    line = order.lines.first()
    returned = rng.randint(1, line.quantity)
    amount = line.unit_price * returned
    intent = PaymentIntent.objects.create(
        purpose="order", reference=order.public_id, amount=order.total, provider="sandbox"
    )
    refund = Refund.objects.create(
        intent=intent,
        amount=amount,
        status=Refund.Status.SUCCEEDED,
        idempotency_key=f"r{n}",
        request_fingerprint="x",
    )
    Refund.objects.filter(pk=refund.pk).update(updated_at=at)
    OrderLine.objects.filter(pk=line.pk).update(quantity_returned=returned)
    Order.objects.filter(pk=order.pk).update(amount_refunded=amount)
    if amount == order.total:
        Order.objects.filter(pk=order.pk).update(status=S.REFUNDED)


def _brute_force():
    """Straight aggregate queries over orders, lines and refunds."""
    sales = {}
    paid = Order.objects.filter(paid_at__isnull=False).annotate(day=TruncDate("paid_at"))
    for r in paid.values("day", "merchant_id", "store_id", "fulfilment").annotate(
        n=Count("id"), gmv=Sum("total"), refunded=Sum("amount_refunded")
    ):
        key = (r["day"], r["merchant_id"], r["store_id"], FULFILMENT_CHANNEL[r["fulfilment"]])
        sales[key] = [r["n"], r["gmv"], r["refunded"], Decimal(0), 0]
    order = Order.objects.filter(public_id=OuterRef("intent__reference"))
    refunds = (
        Refund.objects.filter(status=Refund.Status.SUCCEEDED, intent__purpose="order")
        .annotate(
            day=TruncDate("updated_at"),
            merchant_id=Subquery(order.values("merchant_id")),
            store_id=Subquery(order.values("store_id")),
            fulfilment=Subquery(order.values("fulfilment")),
        )
        .values("day", "merchant_id", "store_id", "fulfilment")
        .annotate(amount=Sum("amount"), n=Count("id"))
    )
    for r in refunds:
        key = (r["day"], r["merchant_id"], r["store_id"], FULFILMENT_CHANNEL[r["fulfilment"]])
        cell = sales.setdefault(key, [0, Decimal(0), Decimal(0), Decimal(0), 0])
        cell[3] += r["amount"]
        cell[4] += r["n"]
    products = {
        (r["day"], r["order__merchant_id"], r["order__store_id"], r["sku_id"]): [
            r["units"],
            r["ret"],
            r["gmv"],
        ]
        for r in OrderLine.objects.filter(order__paid_at__isnull=False)
        .annotate(day=TruncDate("order__paid_at"))
        .values("day", "order__merchant_id", "order__store_id", "sku_id")
        .annotate(units=Sum("quantity"), ret=Sum("quantity_returned"), gmv=Sum("line_total"))
    }
    return sales, products


def _rolled_up():
    sales = {
        (r.day, r.merchant_id, r.store_id, r.channel): [
            r.orders,
            r.gmv,
            r.refunded,
            r.returns,
            r.return_count,
        ]
        for r in DailySales.objects.all()
    }
    products = {
        (r.day, r.merchant_id, r.store_id, r.sku_id): [r.units, r.units_returned, r.gmv]
        for r in DailyProductSales.objects.all()
    }
    return sales, products


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollups_equal_brute_force_built_at_once_and_incrementally(
    seed, store, other_store, foreign_store, sku, sku2, approved_product
):
    rng = random.Random(seed)
    skus = [sku, sku2, approved_product("桂花藕粉", "25.50")]
    stores = [store, other_store, foreign_store]
    now = timezone.now()
    n = 0
    orders = []
    for _ in range(60):  # a month of sales, some never paid (cancelled)
        n += 1
        paid_at = None if rng.random() < 0.15 else now - timedelta(minutes=rng.randint(60, 43_200))
        orders.append(_order(rng, rng.choice(stores), skus, paid_at, n))
    for order in rng.sample([o for o in orders if o.paid_at], 10):  # refunded on a later day
        n += 1
        _refund(rng, order, order.paid_at + timedelta(hours=rng.randint(1, 72)), n)
    services.rollup_changes()
    assert _rolled_up() == _brute_force()

    # later: new sales, refunds today of old sales, an unpaid order cancelled
    refunded = set(Refund.objects.values_list("intent__reference", flat=True))
    for order in rng.sample([o for o in orders if o.paid_at and o.public_id not in refunded], 5):
        n += 1
        _refund(rng, order, timezone.now(), n)
    for _ in range(10):
        n += 1
        _order(rng, rng.choice(stores), skus, timezone.now(), n)
    services.rollup_changes()
    assert _rolled_up() == _brute_force()

    before = _rolled_up()
    services.rollup_changes()  # nothing new: same rows
    services.rollup_day(timezone.localdate())
    assert _rolled_up() == before
    assert sum(r.returns for r in DailySales.objects.all()) > 0
