"""Nearby-store search at city scale: N stores scattered within ~30 km of Hangzhou's centre,
~300 random 3 km searches through `stores.selectors.nearby_stores`, latency percentiles and
recall against a brute-force scan of every store.

    python -m bench.nearby        # SQLite; with DATABASE_URL set, a fresh PostgreSQL database

Environment: BENCH_NEARBY_SIZES (default "10000,100000"), BENCH_NEARBY_QUERIES (300).

"cpu p50 ms" is this process's CPU per search (on SQLite the database's work included, on
PostgreSQL the server's left out), "queries" the statements (round trips) one search makes
and "load" the load average just before the searches: on a shared machine the wall-clock
percentiles follow the load, the CPU much less."""

import math
import os
import random
import time
from datetime import time as clock

from bench.common import django_database, header, percentile, print_table

CENTER = (30.2741, 120.1551)
SPREAD_M = 30_000
RADIUS_M = 3_000
LIMIT = 20
SEED = 20261122
METRES_PER_DEGREE = 111_195.0


def _point_in_disc(rng: random.Random, radius_m: float) -> tuple[float, float]:
    """A uniformly random point within `radius_m` of the centre."""
    distance = radius_m * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    lat = CENTER[0] + distance * math.cos(bearing) / METRES_PER_DEGREE
    lon = CENTER[1] + distance * math.sin(bearing) / (
        METRES_PER_DEGREE * math.cos(math.radians(CENTER[0]))
    )
    return lat, lon


def seed_stores(rng: random.Random, merchants: list, count: int, start: int) -> None:
    """`count` more stores, each open 09:00-22:00 daily (one in ten also overnight on
    Saturday) and one in fifty closed today, as a real city's data would have."""
    from django.db import connection, transaction
    from django.utils import timezone

    from omniretail.stores.models import OpeningException, OpeningHours, Store

    today = timezone.localdate()
    batch = 5_000
    for offset in range(0, count, batch):
        size = min(batch, count - offset)
        with transaction.atomic():
            stores = Store.objects.bulk_create(
                Store(
                    merchant=merchants[(start + offset + i) % len(merchants)],
                    name=f"门店 {start + offset + i}",
                    address="杭州市",
                    city="杭州",
                    lat=lat,
                    lon=lon,
                    main_products="日用百货",
                )
                for i, (lat, lon) in enumerate(_point_in_disc(rng, SPREAD_M) for _ in range(size))
            )
            hours = []
            exceptions = []
            for store in stores:
                hours.extend(
                    OpeningHours(store=store, weekday=d, opens=clock(9), closes=clock(22))
                    for d in range(7)
                )
                if rng.random() < 0.1:
                    hours[-2].closes = clock(2)
                if rng.random() < 0.02:
                    exceptions.append(OpeningException(store=store, date=today, is_closed=True))
            OpeningHours.objects.bulk_create(hours, batch_size=10_000)
            OpeningException.objects.bulk_create(exceptions)
    with connection.cursor() as cursor:
        # planner statistics and (PostgreSQL) the visibility map, as autovacuum leaves a live
        # database's: without it an index-only scan still visits every candidate's page
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def load_all(Store) -> list[tuple]:
    """Every active store once, with the trigonometry the scan needs precomputed."""
    return [
        (pk, lat, lon, math.radians(lat), math.cos(math.radians(lat)), math.radians(lon))
        for pk, lat, lon in Store.objects.filter(is_active=True).values_list("pk", "lat", "lon")
    ]


def brute_force_top(rows: list[tuple], lat: float, lon: float) -> list[int]:
    """The LIMIT nearest stores within RADIUS_M, by measuring every row."""
    from omniretail.core.geo import EARTH_RADIUS_M, haversine_m

    # haversine's inner term grows with distance: compare it with the radius's (a hair
    # generous), then measure exactly only the rows that pass.
    limit_a = math.sin(RADIUS_M / (2 * EARTH_RADIUS_M)) ** 2 * 1.000001
    phi, cos_phi, lam = math.radians(lat), math.cos(math.radians(lat)), math.radians(lon)
    sin = math.sin
    measured = sorted(
        (haversine_m(lat, lon, s_lat, s_lon), pk)
        for pk, s_lat, s_lon, phi2, cos_phi2, lam2 in rows
        if sin((phi2 - phi) / 2) ** 2 + cos_phi * cos_phi2 * sin((lam2 - lam) / 2) ** 2 <= limit_a
    )
    return [pk for distance, pk in measured if distance <= RADIUS_M][:LIMIT]


def run() -> None:
    sizes = [int(n) for n in os.environ.get("BENCH_NEARBY_SIZES", "10000,100000").split(",")]
    queries = int(os.environ.get("BENCH_NEARBY_QUERIES", "300"))
    header(f"nearby stores: {queries} searches of {RADIUS_M} m, limit {LIMIT}")
    with django_database("nearby") as backend:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from omniretail.accounts.services import create_organization
        from omniretail.stores.models import Store
        from omniretail.stores.selectors import nearby_stores

        merchants = [
            create_organization(kind="merchant", name=f"商家 {i}", code=f"bench-m{i}")
            for i in range(5)
        ]
        rng = random.Random(SEED)
        results = []
        seeded = 0
        for size in sorted(sizes):
            started = time.perf_counter()
            seed_stores(rng, merchants, size - seeded, seeded)
            seed_s = time.perf_counter() - started
            seeded = size
            rows = load_all(Store)
            qrng = random.Random(SEED + size)
            points = [_point_in_disc(qrng, SPREAD_M - RADIUS_M) for _ in range(queries)]
            for lat, lon in points[:10]:  # warm the caches and the connection
                nearby_stores(lat=lat, lon=lon, radius_m=RADIUS_M, limit=LIMIT)
            with CaptureQueriesContext(connection) as statements:
                nearby_stores(lat=points[0][0], lon=points[0][1], radius_m=RADIUS_M, limit=LIMIT)
            load = os.getloadavg()[0]
            latencies, cpu, found_total, expected_total, hits = [], [], 0, 0, 0
            for lat, lon in points:
                t0, c0 = time.perf_counter(), time.process_time()
                found = nearby_stores(lat=lat, lon=lon, radius_m=RADIUS_M, limit=LIMIT)
                latencies.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                expected = brute_force_top(rows, lat, lon)
                returned = {n.store.pk for n in found}
                found_total += len(found)
                expected_total += len(expected)
                hits += sum(1 for pk in expected if pk in returned)
            results.append(
                (
                    backend,
                    size,
                    round(seed_s, 1),
                    queries,
                    round(percentile(latencies, 50), 2),
                    round(percentile(latencies, 95), 2),
                    round(percentile(cpu, 50), 2),
                    len(statements),
                    round(load, 1),
                    round(found_total / queries, 1),
                    f"{hits / expected_total:.4f}" if expected_total else "n/a",
                )
            )
        print_table(
            [
                "db",
                "stores",
                "seed s",
                "queries",
                "p50 ms",
                "p95 ms",
                "cpu p50 ms",
                "queries",
                "load",
                "avg hits",
                "recall",
            ],
            results,
        )


if __name__ == "__main__":
    run()
