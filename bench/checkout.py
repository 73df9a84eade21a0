"""Checkout throughput: concurrent shoppers each buying two SKUs for store pickup through
`orders.services.checkout` (price snapshot, two conditional stock UPDATEs, journal rows,
reservations, order + lines, payment intent, store notification), in separate processes as
web workers would be. On PostgreSQL the same row writes run as a pgbench script against the
same tables on the same server, in the same run, as the bound; the ratio is printed. Beside
it runs the Python client's floor: the bound's own statements sent by as many Python processes
through psycopg (bound and prepared as Django's connection here), with nothing else to do;
its ratio to pgbench says how much of the gap any Python client pays. The SQL query count of
one checkout is printed too (target: at most 25).

    python -m bench.checkout      # SQLite; with DATABASE_URL set, PostgreSQL + pgbench

Environment: BENCH_CHECKOUT_CLIENTS (8), BENCH_CHECKOUT_SECONDS (15), BENCH_CHECKOUT_SKUS (50),
BENCH_CHECKOUT_SOLD_OUT (0). With BENCH_CHECKOUT_SOLD_OUT=1 the run is a flash sale's crowd
after the goods are gone: each checkout's second line is a SKU with no stock, so every
checkout is refused (409 out_of_stock); the figure is refusals per second, and the bound is
pgbench running the refusal's own row work (its read of the free stock) in a transaction.

Notes (2026-12-05, 2-core Xeon, PostgreSQL 15 on the same machine; the load average is
other sessions' work, given with each figure):

- Before: 101 orders/s, p50 66 ms, 22 statements per 2-line checkout, pgbench 930 tps,
  ratio 0.11 (23:02 UTC, load 0.8). CPU per checkout in the client, measured in one process
  (time.process_time over 150 checkouts, the bench's `_checkout_once` on a warm database):
  15.2-15.9 ms (load 5-6). Its cProfile (CPU clock, 100 checkouts, ms per checkout with
  the profiler's overhead, load 8): 53.8 in all; checkout 37.4 of which reserve_lines 8.7
  (two ORM UPDATEs and two bulk_creates), pricing.line_prices 8.0, _limit_unpaid 6.5 (the
  ORM's aggregate), loyalty discounts 4.4, the order lines' bulk_create 2.5, the order's
  INSERT 1.8, the intent 1.7, the notification 1.1, the merchant read lazily 1.4;
  resolve_fulfilment 9.8 (the store's schedule 4.6, the slot's count 2.9, the stock
  location read 1.8). The slot's count read every order of the store: there was no index
  on the slot, and with every order in one slot it read all the run's orders anyway.
- Changed: one statement per line for the reservation on PostgreSQL (the guarded UPDATE,
  journal row and reservation in data-modifying CTEs; lines still in SKU key order); the
  unpaid limit's lock and count, the slot's count and the order's and its lines' INSERTs in
  plain SQL; partial indexes on (store, pickup slot) and (store, delivery slot); here, the
  store read as the API reads it (merchant and stock location joined: no lazy reads) and
  the orders spread over 48 slots.
- After: 18 statements; client CPU per checkout 9.5-10.5 ms (same measure, load 5-6);
  cProfile 40.0 (load 8-14, the before's run just ahead of it; a second pair at load 10-12:
  67.4 -> 50.0): checkout 24.3, of which pricing.line_prices 9.1 (specials and store
  promotions, one query each, in merchandising), loyalty discounts 5.1, the order's INSERT
  2.1 (as before: plain SQL made the lines' cheaper, not the order's), the intent 2.0, the
  lines 1.6, the notification 1.2, reserve 1.2, the unpaid limit 0.7; resolve_fulfilment 6.4
  (the store's schedule 5.5, stores.selectors.prefetch_schedule); the bench's own reads
  of the store and SKUs (the request's, in production) about 5.
- Runs, with other sessions' tests on the machine (none comparable with the quiet 0.11
  above): back to back, 8 s each, the commit before these changes then this one, and again
  in the other order (00:08-00:13 UTC, load 4-8): before 45 orders/s, 0.08 of 557 and 47,
  0.09 of 555 (p50 133-136 ms); after 132, 0.35 of 381 (the bound itself squeezed) and 69,
  0.13 of 551 (p50 44-81 ms). Single 10 s runs at load 6-11 gave 0.03-0.10 (the Python
  clients lose more to a crowded machine than pgbench does).
- Quiet machine, 6 December 00:58 UTC, medians of 3 runs of 15 s interleaved with the
  bound: 140.8 orders/s, p50 42 ms, p95 73 ms (load 2.4) against pgbench 721.8 (load 4.1):
  0.20; 18 statements.
- Why 0.5 is out of reach here: the bound is 930 tps on 2 cores, ~2.2 ms of CPU per
  transaction for PostgreSQL and pgbench together. Half of it, 465 orders/s, leaves 4.3 ms
  of CPU per order for our 18 statements' server side (at least the bound's 2.2) and the
  Python client together: about 2 ms of client CPU, a fifth of today's 10 ms. What is left
  is spread thinly over Django's query compiler and model building in five domains
  (pricing, loyalty, stores' schedule, payments' intent, notifications) and the request's
  own reads; even with every statement in plain SQL, 18 round trips through psycopg and
  the domain checks cost 2-3 ms. Expected on a quiet machine: about 0.15.
- 6 December 02:57-03:05 UTC, another, slower machine (Python's CPU per call about twice the
  above), quiet (load 3-5 from the bench itself): after the hot rows' `_like` indexes went
  (core.schema.drop_like_indexes; an order's INSERT writes 4 fewer indexes) 68.2 orders/s
  against 539.0, 0.13; the commit before, right after, 97.2 against 682.6, 0.14. Both the
  bound and the checkout write the same tables, so dropping indexes speeds both: the ratio
  cannot show it, and these two runs differ by more than the change.
- 6 December 06:16-06:21 UTC, the same slower machine, quiet (load 3.6-5.1 from the bench
  itself), back to back, this commit then the one before (579d811): 87.3 orders/s, p50 62
  ms, against 563.0, 0.16, 17 statements; before 79.3, p50 79 ms, against 557.1, 0.14, 18
  statements. The change: the pickup slot's opening hours read in one statement instead of
  prefetch_schedule's two (stores.selectors.open_throughout), the specials' and promotions'
  reads without the joins checkout does not use. Client CPU per checkout in one process
  (time.process_time over 300 checkouts, load ~1) was 16.3 ms before; cProfile then put
  40 % of it in Django's SQL compiler (as_sql) for the 8 ORM statements left (the bench's
  own three reads of shopper, store and SKUs among them), the rest in model building and
  psycopg.
- 6 December 13:38-14:21 UTC, this machine (2-core Xeon), quiet but for the bench itself
  (load 2.4-3.4 during runs), 10 s runs, medians of 3: statements bound on the server and
  prepared on each connection after five runs (settings: OMNI_DB_PREPARED, on by default;
  `=0` gives the commit before), one build, alternating:

  | OMNI_DB_PREPARED | orders/s | p50 ms | pgbench | ratio |
  | --- | --- | --- | --- | --- |
  | 0 (13:38) | 126.0 | 43.1 | 619.8 | 0.20 |
  | 1 (13:40) | 137.5 | 37.4 | 569.8 | 0.24 |
  | 0 (14:13) | 121.2 | 42.9 | 659.1 | 0.18 |
  | 1 (14:15) | 149.4 | 35.0 | 670.7 | 0.22 |
  | 0 (14:17) | 109.9 | 49.0 | 542.8 | 0.20 |
  | 1 (14:19) | 132.0 | 40.9 | 509.4 | 0.26 |

  +9 to +23 % orders/s, the ratio 0.18-0.20 -> 0.22-0.26. PostgreSQL no longer parses and
  plans each of a checkout's statements, and psycopg no longer quotes values into the SQL
  on the client (its query conversion was ~5 % of the client's CPU). The bound runs
  pgbench's default simple protocol, as before: with `-M prepared` it too would be faster.
  Client CPU per checkout in one process (a loop of 300, process time) was
  11.2 ms before; what is left is as above: Django's SQL compiler (36 % of a cProfile of
  300 checkouts: 4.0 of 11.1 s, for 8 ORM statements of the checkout and the request's
  reads), model building, pricing (specials, promotions: 2.6 s) and the member tier's
  discount (1.8 s, a subquery compiled per call).
- 6 December 16:52-17:49 UTC, this machine, quiet but for the bench (load 2.4-3.5 during
  runs), 10 s runs, medians of 3: the hot reads in plain SQL (core.reads: the tier's
  discount, the specials and promotions, the notification's INSERT; the request's store
  with merchant and stock location, and its SKUs with their products, now read here
  through the API's own selectors, `store_for_checkout` and `skus_by_public_ids`, instead
  of the ORM queries that copied them). Each ORM read had cost ~0.7-1.4 ms of client CPU
  (Django compiling it); written out, 0.07-0.1 ms. Client CPU per checkout in one process
  (process time over 600 checkouts): 13.3 -> 4.6 ms.

  | build | orders/s | p50 ms | pgbench | ratio |
  | --- | --- | --- | --- | --- |
  | this (16:52) | 229.4 | 24.4 | 571.8 | 0.40 |
  | this (17:41) | 244.2 | 24.4 | 533.5 | 0.46 |
  | e9cc294 (17:45) | 110.4 | 44.9 | 589.1 | 0.19 |
  | this (17:47) | 285.4 | 20.1 | 682.8 | 0.42 |

  2.2-2.6 times the orders, the ratio 0.40-0.46, still under 0.5: what is left (4.0 ms,
  cProfile) is spread thinly over the INSERTs' value preparation, psycopg's 17 round trips,
  the slot and schedule checks and the domain's own Python.
- 6 December 20:05-21:03 UTC, this machine, load 0.5-5 (the bench itself), 10 s runs,
  medians of 3. **The bound was handicapped, and is mended.** Its script updated the two
  stock rows in random order, so its own clients deadlocked (3 failed transactions in 10 s,
  pgbench's log); a deadlock holds its rows for `deadlock_timeout` (1 s) before PostgreSQL
  breaks it, and the other clients queue behind them. The checkout locks in SKU key order
  and never deadlocks, so the ratio flattered it. The bound now locks in key order too, and
  in the checkout's order (below): 460-660 -> 1,100-1,200 transactions/s at 50 SKUs, and at
  4 SKUs 4-5 -> 740-820. Against it the ratio is about half what the lines above say.
- **The stock rows are locked last.** A one-store checkout now prices, takes its discounts
  and writes its intent and order before it reserves; it holds the stock rows for the
  specials' claims, the lines and the notification only (a route still reserves first:
  the reservation picks its store). Other shoppers' checkouts of the same goods wait on
  those rows; 50 SKUs rarely collide, a flash sale's few do (`BENCH_CHECKOUT_SKUS=4`).
  Before (190c98e) and after, the same bench file:

  | build | SKUs | orders/s | p50 ms | p95 ms | pgbench (fair) | ratio |
  | --- | --- | --- | --- | --- | --- | --- |
  | before (20:59) | 50 | 223.3 | 24.0 | 46.9 | 1,098.6 | 0.20 |
  | after (20:50) | 50 | 249.9 | 23.8 | 40.1 | 1,189.6 | 0.21 |
  | after (20:55) | 50 | 280.7 | 19.6 | 29.7 | 1,199.2 | 0.23 |
  | before (21:01) | 4 | 172.4 | 27.5 | 120.3 | 739.1 | 0.23 |
  | after (20:53) | 4 | 216.2 | 26.7 | 58.3 | 801.5 | 0.27 |
  | after (20:57) | 4 | 252.5 | 23.0 | 52.8 | 824.4 | 0.31 |

  With the old bound, alternating (20:36-20:44), 4 SKUs: before 172.6 and 171.4 orders/s
  (p95 125-126 ms), after 232.4 and 243.2 (p95 54-58 ms). At 50 SKUs the two builds are
  within the runs' noise (before 275.3 and 270.1, after 278.9 and 237.3, 20:19-20:27).
- **Why 0.5 is out of reach at the service level, measured.** The fair bound is ~1,200
  transactions/s on 2 cores: ~1.7 ms of CPU per order for PostgreSQL and pgbench together.
  Half of it, 600 orders/s, leaves 3.3 ms per order for the server's share of 17 statements
  and the Python client; the client alone spends 3-5 ms per checkout (process time, 300
  checkouts, this machine, three runs each of two builds). Tried this stop and dropped:
  building the plain reads' models without `Model.__init__` (store and product: 25 vs 20-28
  µs per pair, within noise).
- 7 December 04:54-05:02 UTC, 2-core AMD EPYC, 10 s runs, medians of 3, back to back with
  the commit before (b2f6ae6). **A sold-out line is refused from one read**
  (`inventory.refuse_if_short`, before the unpaid-order limits, pricing, the coupon, the
  intent and the order, which a refusal used to write and roll back). A flash sale's crowd
  after the goods are gone (`BENCH_CHECKOUT_SOLD_OUT=1`):

  | build | refusals/s | p50 ms | p95 ms | statements | load |
  | --- | --- | --- | --- | --- | --- |
  | b2f6ae6 (before) | 157.5 | 35.0 | 53.0 | 15 | 3.7 |
  | this | 377.5 | 9.1 | 15.5 | 7 | 2.5 |

  The bound, pgbench running the refusal's read in a transaction, was 13,650-14,131 per s:
  0.01 -> 0.03 (what is left is the request's own reads: the store, the SKUs, the slot).
  Orders that succeed pay one statement more (17 -> 18): 206.1 orders/s against 873.1,
  0.24; before 203.8 against 852.4, 0.24 (load 4-5: tests ran beside both).
- 06:03-06:07 UTC, the same machine, one pair after the order's INSERTs went plain (the
  intent through `payments.create_intents`): e8d69d9 205.5 orders/s, p50 26.3 ms, against
  1,108.4, 0.19; this 228.1, p50 23.8 ms, against 1,141.7, 0.20 (load 2.7-4.8).
- **The Python client's floor, measured** (7 December 10:50-11:01 UTC, 2-core AMD EPYC,
  quiet: 0.02 cores of other work; 15 s runs, medians of 3): the checkout 264.2 orders/s,
  p50 22.1 ms; pgbench 1,167.7; the bound's statements from Python 915.4, 0.78 of pgbench
  (0.76-0.94 in shorter runs). So a Python client costs little against the bound, and the
  checkout is 0.23 of pgbench and 0.29 of the floor. Again with each client loading its
  shopper as a signed-in request does (accounts.UserBackend's plain read, not the ORM's
  get()): 261.4 against 1,185.4 and 913.4, 0.22 and 0.29, within the runs' noise. All three
  keep both cores busy (vmstat: 0 % idle; user 88-90 % for the checkout, 72-76 % for the
  other two).

  CPU per transaction, one client alone (process time, and the PostgreSQL backend's from
  /proc, over 1,500-3,000 transactions):

  | | client ms | server ms | together | per order on 2 busy cores |
  | --- | --- | --- | --- | --- |
  | the floor (13 statements) | 0.74 | 0.95 | 1.69 | 2.2 (at 915/s) |
  | the checkout (18) | 3.29 | 1.64 | 4.93 | 7.6 (at 264/s) |

  Half of pgbench, ~580 orders/s, leaves 3.4 ms of CPU per order on 2 cores. Eight clients
  at once cost 1.3-1.5 times what one alone does (the floor 1.3, the checkout 1.5): about 2.4
  ms of one client's CPU. The checkout's own statements cost the server 1.64 of it, which
  leaves the client ~0.8 ms, about what the floor's client spends on 13 bare statements
  (0.74 ms) and less than a bare client would spend on the checkout's 18. Even a client that
  did nothing but send them would land at about 0.45; the 2.3 ms the checkout spends on
  prices, discounts, checks and models puts it near 0.25. Reaching 0.5 would take fewer
  statements than the checkout's checks need, or a client not written in Python.
"""

import os
import re
import statistics
import time
from datetime import timedelta

from bench.common import (
    BenchShop,
    django_database,
    header,
    like_other_work,
    measured,
    percentile,
    pgbench_tps,
    print_table,
    run_clients,
)

CLIENTS = int(os.environ.get("BENCH_CHECKOUT_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_CHECKOUT_SECONDS", "15"))
SKUS = int(os.environ.get("BENCH_CHECKOUT_SKUS", "50"))
SOLD_OUT = os.environ.get("BENCH_CHECKOUT_SOLD_OUT", "0") == "1"
RUNS = 3
STOCK_EACH = 100_000  # the largest single receipt the inventory accepts
# The orders spread over a day of pickup slots, as a crowd's would, with room in each: the
# run measures the checkout's row work, not a store's hand-over capacity (50 orders a half
# hour by default, refused past that). With every order in one slot, the slot's count read
# every order of the run again at each checkout.
os.environ.setdefault("OMNI_PICKUP_SLOT_CAPACITY", "10000")
SLOTS = 48
# Every checkout is a different shopper's (a flash sale's crowd), as a member may hold only
# OMNI_ORDER_UNPAID_LIMIT unpaid orders; a client wraps around after this many.
SHOPPERS_EACH = 1000


def _world():
    """A merchant with one always-open store holding plenty of SKUS, and shoppers."""
    from omniretail.accounts.models import User
    from omniretail.inventory import services as inventory

    shop = BenchShop(open_all_week=True)
    location = inventory.location_for_store(shop.store)
    skus = [
        shop.sku(name=f"商品{i}", code=f"B{i}", price="9.90", stock=STOCK_EACH) for i in range(SKUS)
    ]
    sku_ids = [sku.pk for sku in skus]
    gone = shop.sku(name="秒杀 茶具", code="GONE", price="9.90") if SOLD_OUT else None
    shoppers = [
        user.pk
        for user in User.objects.bulk_create(
            User(username=f"s{i}", phone=f"138{i:08d}") for i in range(CLIENTS * SHOPPERS_EACH)
        )
    ]
    # pgbench's orders (thousands, never paid) go to a shopper of their own: between the
    # runs they would put a client's shopper over the unpaid-order limit
    bound_shopper = User.objects.create(username="pgbench", phone="13799999999").pk
    return {
        "bound_shopper": bound_shopper,
        "store": shop.store.pk,
        "store_id": shop.store.public_id,
        "sku_public_ids": {sku.pk: sku.public_id for sku in [*skus, *([gone] if gone else [])]},
        "sold_out": gone.pk if gone else None,
        "location": location.pk,
        "merchant": shop.merchant.pk,
        "skus": sku_ids,
        "shoppers": shoppers,
    }


def _slot(rng):
    """One of the SLOTS half-hour pickup slots from two hours on (the store never closes)."""
    from django.utils import timezone

    now = timezone.localtime()
    first = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    return first + timedelta(minutes=30 * rng.randrange(SLOTS))


def _checkout_once(world, shopper, rng):
    from omniretail.inventory.selectors import skus_by_public_ids
    from omniretail.inventory.services import OutOfStock
    from omniretail.orders import selectors, services

    # the buy-now API's reads: the store with its merchant and stock location, the SKUs
    store = selectors.store_for_checkout(world["store_id"])
    a, b = rng.sample(world["skus"], 2)
    b = world["sold_out"] or b
    public = world["sku_public_ids"]
    skus = skus_by_public_ids([public[a], public[b]])
    started = time.perf_counter()
    try:
        services.checkout(
            shopper=shopper,
            lines=[(skus[public[a]], 1), (skus[public[b]], 1)],
            fulfilment=services.resolve_fulfilment(
                kind="pickup", store=store, pickup_slot_start=_slot(rng)
            ),
            payment_provider="balance",
        )
    except OutOfStock:
        if not SOLD_OUT:
            raise
    return time.perf_counter() - started


def _client(world, index, deadline, queue):
    import random

    import django
    from django.db import connections

    django.setup()
    from omniretail.accounts.backends import UserBackend

    rng = random.Random(index)
    own = world["shoppers"][index * SHOPPERS_EACH : (index + 1) * SHOPPERS_EACH]
    latencies = []
    backend = UserBackend()
    while time.time() < deadline:
        # the signed-in shopper, loaded as a request's session loads them
        shopper = backend.get_user(own[len(latencies) % len(own)])
        latencies.append(_checkout_once(world, shopper, rng))
    connections.close_all()
    queue.put(latencies)


def _queries_per_checkout(world) -> int:
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from omniretail.accounts.models import User

    first, second = User.objects.filter(pk__in=world["shoppers"][-2:])
    _checkout_once(world, first, random.Random(0))  # warm caches (jieba, content types)
    with CaptureQueriesContext(connection) as ctx:
        _checkout_once(world, second, random.Random(1))
    return len(
        [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    )


def _run_clients(world) -> tuple[int, float, list[float]]:
    latencies, elapsed = run_clients(_client, world, clients=CLIENTS, seconds=SECONDS)
    return len(latencies), elapsed, latencies


PGBENCH_SCRIPT = """\\set x random(:sku_min, :sku_max)
\\set y random(:sku_min, :sku_max)
\\set a least(:x, :y)
\\set b greatest(:x, :y)
BEGIN;
INSERT INTO payments_paymentintent (public_id, created_at, updated_at, purpose, reference,
  payer_id, payee_id, amount, currency, provider, status, amount_refunded, provider_reference,
  failure_reason, request_fingerprint) VALUES (substr(md5(random()::text), 1, 26), now(), now(),
  'order', substr(md5(random()::text), 1, 26), :shopper, :merchant, 19.80, 'CNY', 'balance',
  'requires_payment', 0, '', '', '') RETURNING id AS intent_id \\gset
INSERT INTO orders_order (public_id, created_at, updated_at, number, shopper_id, merchant_id,
  store_id, location_id, fulfilment, status, pickup_slot_start, pickup_slot_end,
  delivery_address, subtotal, discount_total, discount_lines, delivery_fee, total,
  amount_refunded, payment_provider, payment_intent_id, expires_at, note)
  VALUES (substr(md5(random()::text), 1, 26), now(), now(), substr(md5(random()::text), 1, 20),
  :shopper, :merchant, :store, :location, 'pickup', 'pending_payment', now(), now(), '{}',
  19.80, 0, '[]', 0, 19.80, 0, 'balance', (:intent_id)::text, now() + interval '15 minutes', '')
  RETURNING id AS order_id \\gset
UPDATE inventory_stocklevel SET reserved = reserved + 1
  WHERE location_id = :location AND sku_id = :a AND on_hand >= reserved + 1;
INSERT INTO inventory_stockmovement (location_id, sku_id, kind, on_hand_delta, reserved_delta,
  reason, reference, created_at)
  VALUES (:location, :a, 'reservation', 0, 1, '', (:order_id)::text, now());
INSERT INTO inventory_reservation (public_id, location_id, sku_id, quantity, status, reference,
  expires_at, created_at) VALUES (substr(md5(random()::text), 1, 26), :location, :a, 1, 'active',
  (:order_id)::text, now() + interval '20 minutes', now()) RETURNING id AS res_a \\gset
UPDATE inventory_stocklevel SET reserved = reserved + 1
  WHERE location_id = :location AND sku_id = :b AND on_hand >= reserved + 1;
INSERT INTO inventory_stockmovement (location_id, sku_id, kind, on_hand_delta, reserved_delta,
  reason, reference, created_at)
  VALUES (:location, :b, 'reservation', 0, 1, '', (:order_id)::text, now());
INSERT INTO inventory_reservation (public_id, location_id, sku_id, quantity, status, reference,
  expires_at, created_at) VALUES (substr(md5(random()::text), 1, 26), :location, :b, 1, 'active',
  (:order_id)::text, now() + interval '20 minutes', now()) RETURNING id AS res_b \\gset
INSERT INTO orders_orderline (public_id, order_id, sku_id, product_name, sku_name, unit_price,
  quantity, line_total, quantity_returned, reservation_id) VALUES
  (substr(md5(random()::text), 1, 26), :order_id, :a, 'p', 's', 9.90, 1, 9.90, 0, :res_a),
  (substr(md5(random()::text), 1, 26), :order_id, :b, 'p', 's', 9.90, 1, 9.90, 0, :res_b);
INSERT INTO notifications_notification (public_id, organization_id, title, body, link, created_at)
  VALUES (substr(md5(random()::text), 1, 26), :merchant, 'new order', 'pending', '', now());
COMMIT;
"""


REFUSAL_SCRIPT = """\\set a random(:sku_min, :sku_max)
BEGIN;
SELECT location_id, sku_id, on_hand - reserved FROM inventory_stocklevel
  WHERE sku_id IN (:a, :gone) AND location_id IN (:location);
ROLLBACK;
"""


def _bound(world) -> tuple[str, dict]:
    """The bound's pgbench script and its variables: the checkout's row writes, or with
    SOLD_OUT the refusal's read."""
    if SOLD_OUT:
        variables = {
            "sku_min": min(world["skus"]),
            "sku_max": max(world["skus"]),
            "gone": world["sold_out"],
            "location": world["location"],
        }
        return REFUSAL_SCRIPT, variables
    variables = {
        "sku_min": min(world["skus"]),
        "sku_max": max(world["skus"]),
        "shopper": world["bound_shopper"],
        "merchant": world["merchant"],
        "store": world["store"],
        "location": world["location"],
    }
    return PGBENCH_SCRIPT, variables


def _pgbench(world) -> tuple[float | None, str]:
    script, variables = _bound(world)
    return pgbench_tps(script, variables, clients=CLIENTS, seconds=SECONDS)


def _script_statements(script: str) -> list[tuple[str, str | None]]:
    """A pgbench script's statements for psycopg, each with the name its `\\gset` gives the
    returned id (None without one): `:name` becomes `%(name)s`; the `\\set` lines and the
    transaction's ends are the client's own."""
    statements = []
    parts = re.split(r"(;|\\gset)\n", script)  # a \\gset ends its statement as ";" does
    for chunk, end in zip(parts[::2], parts[1::2], strict=False):
        text = "\n".join(x for x in chunk.splitlines() if not x.startswith("\\set")).strip()
        if text in ("BEGIN", "COMMIT", "ROLLBACK"):
            continue
        kept = None
        if end != ";":
            returned = re.search(r" AS (\w+)$", text)
            kept, text = returned.group(1), text[: returned.start()]
        text = re.sub(r"(?<![:\w]):([a-z_]\w*)", r"%(\1)s", text.replace("%", "%%"))
        statements.append((text, kept))
    return statements


def _floor_client(world, index, deadline, queue):
    """One of the floor's clients: the bound's statements, with the bound's random SKUs, from
    Python through psycopg, connected with Django's connection parameters (its values bound
    on the server, its statements prepared after OMNI_DB_PREPARED's five uses), and nothing
    else."""
    import random

    import django
    import psycopg
    from django.db import connection

    django.setup()
    script, variables = _bound(world)
    statements = _script_statements(script)
    conn = psycopg.connect(**connection.get_connection_params())  # Django's own options
    rng = random.Random(index)
    done = []
    while time.time() < deadline:
        started = time.perf_counter()
        x = rng.randint(variables["sku_min"], variables["sku_max"])
        y = rng.randint(variables["sku_min"], variables["sku_max"])
        values = {**variables, "x": x, "y": y, "a": min(x, y), "b": max(x, y)}
        with conn.transaction(), conn.cursor() as cursor:
            for sql, kept in statements:
                cursor.execute(sql, values)
                if kept:
                    values[kept] = cursor.fetchone()[0]
        done.append(time.perf_counter() - started)
    conn.close()
    queue.put(done)


def _floor(world) -> float:
    """Transactions per second of the bound's statements sent by CLIENTS Python processes."""
    done, elapsed = run_clients(_floor_client, world, clients=CLIENTS, seconds=SECONDS)
    return len(done) / elapsed


def main() -> None:
    what = "checkouts refused, the second line sold out" if SOLD_OUT else "2 lines per order"
    header(
        f"checkout: {CLIENTS} concurrent clients for {SECONDS:.0f}s, {what}, median of {RUNS} runs"
    )
    with django_database("checkout") as label:
        world = _world()
        queries = _queries_per_checkout(world)
        runs, bounds, floors, note = [], [], [], None
        for _ in range(RUNS):  # interleaved, so a burst of other work hits both alike
            (orders, elapsed, latencies), load, others = measured(lambda: _run_clients(world))
            runs.append((orders / elapsed, latencies, load, others))
            if label == "postgresql":
                (bound, note), bound_load, bound_others = measured(lambda: _pgbench(world))
                if bound is not None:
                    bounds.append((bound, bound_load, bound_others))
                floors.append(measured(lambda: _floor(world)))
        rate = statistics.median(r[0] for r in runs)
        load = statistics.median(r[2] for r in runs)
        others = statistics.median(r[3] for r in runs)
        latencies = [x for r in runs for x in r[1]]
        rows = [
            [
                label,
                "omniretail checkout, refused" if SOLD_OUT else "omniretail checkout",
                len(latencies),
                rate,
                percentile(latencies, 50) * 1000,
                percentile(latencies, 95) * 1000,
                queries,
                load,
                others,
            ]
        ]
        if bounds:
            bound = statistics.median(b[0] for b in bounds)
            bound_load = statistics.median(b[1] for b in bounds)
            bound_others = statistics.median(b[2] for b in bounds)
            bound_what, bound_statements = (
                ("pgbench, the refusal's read", 1) if SOLD_OUT else ("pgbench, same row writes", 13)
            )
            rows.append(
                [
                    label,
                    bound_what,
                    "-",
                    bound,
                    "-",
                    "-",
                    bound_statements,
                    bound_load,
                    bound_others,
                ]
            )
        if floors and bounds:  # beside the bound it is measured against
            floor = statistics.median(f[0] for f in floors)
            floor_load = statistics.median(f[1] for f in floors)
            floor_others = statistics.median(f[2] for f in floors)
            rows.append(
                [
                    label,
                    "Python + psycopg, the bound's statements",
                    "-",
                    floor,
                    "-",
                    "-",
                    bound_statements,
                    floor_load,
                    floor_others,
                ]
            )
        columns = [
            *("db", "what", "checkouts", "per s", "p50 ms", "p95 ms", "queries"),
            *("load", "other cores"),
        ]
        print_table(columns, rows)
        if not bounds:
            if note:
                print(f"no pgbench bound: {note}")
        elif not like_other_work(others, bound_others):
            print(
                f"no ratio: other work on the machine differed ({others:.2f} vs"
                f" {bound_others:.2f} cores for the bound)"
            )
        else:
            print(
                f"ratio to the pgbench bound: {rate / bound:.2f} ({rate:.0f} / {bound:.0f} per s)"
            )
        if floors and bounds and like_other_work(floor_others, bound_others):
            print(
                f"a Python client sending only the bound's statements: {floor / bound:.2f} of"
                f" pgbench ({floor:.0f} per s); the checkout is {rate / floor:.2f} of it"
            )
        kind = "refused 2-line checkout" if SOLD_OUT else "2-line checkout"
        print(f"SQL queries per {kind}: {queries} (target <= 25)")


if __name__ == "__main__":
    main()
