"""Order routing at city scale: 10,000 retailer stores around Hangzhou, 100,000 stock rows
(10 SKUs per store out of 50, a fifth of them sold out), and ~300 delivery orders of one or
two lines routed through `supply.routing.route` (nearest store holding every line, then the
warehouses). Reports p50/p95 of the routing decision alone (no checkout).

    python -m bench.routing       # SQLite; with DATABASE_URL set, a fresh PostgreSQL database

Environment: BENCH_ROUTING_STORES (10000), BENCH_ROUTING_ROWS (100000),
BENCH_ROUTING_QUERIES (300)."""

import os
import random
import time

from bench.common import django_database, header, percentile, print_table
from bench.nearby import SPREAD_M, _point_in_disc

SEED = 20261123
SKUS = 50
MERCHANTS = 100
WAREHOUSES = 2


def seed(rng: random.Random, stores: int, rows: int) -> list:
    """Organisations, SKUs, stores with their stock locations and the stock rows, in bulk."""
    from django.db import connection, transaction

    from omniretail.accounts.models import Organization
    from omniretail.catalog.models import Category, Product, Sku
    from omniretail.inventory.models import StockLevel, StockLocation
    from omniretail.stores.models import Store

    with transaction.atomic():
        region = Organization.objects.create(kind="region", name="运营中心", code="bench-r")
        producer = Organization.objects.create(kind="producer", name="生产商", code="bench-p")
        merchants = Organization.objects.bulk_create(
            Organization(kind="merchant", name=f"零售店 {i}", code=f"bench-m{i}", region=region)
            for i in range(MERCHANTS)
        )
        category = Category.objects.create(name="百货", slug="bench-cat")
        products = Product.objects.bulk_create(
            Product(owner=producer, category=category, name=f"商品 {i}", status="approved")
            for i in range(SKUS)
        )
        skus = Sku.objects.bulk_create(
            Sku(product=p, code=f"BR-{i}", name="单件", price="10.00")
            for i, p in enumerate(products)
        )
        points = [_point_in_disc(rng, SPREAD_M) for _ in range(stores)]
        made = Store.objects.bulk_create(
            (
                Store(
                    merchant=merchants[i % MERCHANTS],
                    name=f"门店 {i}",
                    address="杭州市",
                    lat=lat,
                    lon=lon,
                )
                for i, (lat, lon) in enumerate(points)
            ),
            batch_size=5_000,
        )
        locations = StockLocation.objects.bulk_create(
            (
                StockLocation(
                    kind="store",
                    name=s.name,
                    organization_id=s.merchant_id,
                    store=s,
                    lat=s.lat,
                    lon=s.lon,
                )
                for s in made
            ),
            batch_size=5_000,
        )
        locations += StockLocation.objects.bulk_create(
            StockLocation(kind="warehouse", name=f"区域仓 {i}", organization=region)
            for i in range(WAREHOUSES)
        )
        per_location = max(1, rows // stores)
        levels = []
        for location in locations[:stores]:
            for sku in rng.sample(skus, per_location):
                on_hand = 0 if rng.random() < 0.2 else rng.randint(1, 50)
                levels.append(StockLevel(location=location, sku=sku, on_hand=on_hand))
        for location in locations[stores:]:
            levels.extend(StockLevel(location=location, sku=sku, on_hand=1000) for sku in skus)
        StockLevel.objects.bulk_create(levels, batch_size=10_000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return skus, len(levels)


def run() -> None:
    stores = int(os.environ.get("BENCH_ROUTING_STORES", "10000"))
    rows = int(os.environ.get("BENCH_ROUTING_ROWS", "100000"))
    queries = int(os.environ.get("BENCH_ROUTING_QUERIES", "300"))
    header(f"order routing: {stores} stores, {rows} stock rows, {queries} delivery orders")
    with django_database("routing") as backend:
        from omniretail.supply.routing import route

        rng = random.Random(SEED)
        started = time.perf_counter()
        skus, levels = seed(rng, stores, rows)
        seed_s = time.perf_counter() - started
        orders = []
        for _ in range(queries):
            lines = [(sku, rng.randint(1, 3)) for sku in rng.sample(skus, rng.choice([1, 1, 2]))]
            orders.append((_point_in_disc(rng, SPREAD_M - 5_000), lines))
        for (lat, lon), lines in orders[:10]:  # warm the caches and the connection
            route(lines=lines, lat=lat, lon=lon)
        latencies, to_store, to_warehouse = [], 0, 0
        for (lat, lon), lines in orders:
            t0 = time.perf_counter()
            found = route(lines=lines, lat=lat, lon=lon)
            latencies.append((time.perf_counter() - t0) * 1000)
            if found and found[0].store_id is not None:
                to_store += 1
            elif found:
                to_warehouse += 1
        print_table(
            ["db", "stores", "stock rows", "seed s", "orders", "p50 ms", "p95 ms", "store", "wh"],
            [
                (
                    backend,
                    stores,
                    levels,
                    round(seed_s, 1),
                    queries,
                    round(percentile(latencies, 50), 2),
                    round(percentile(latencies, 95), 2),
                    to_store,
                    to_warehouse,
                )
            ],
        )


if __name__ == "__main__":
    run()
