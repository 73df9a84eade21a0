"""Share links on the hot path: opening a share link (verify the signed token, find the link,
record or move the visitor's click) by concurrent clients in separate processes, as web
workers would; and attributing a paid order to the last valid click (the `OrderPaid`
handler, which runs right after the payment commits). On PostgreSQL the click's row
operations run as a pgbench script on the same tables and server, in the same run, as the
bound; the ratio is printed, with the SQL query count of one click and one attribution.

    python -m bench.referrals      # SQLite; with DATABASE_URL set, PostgreSQL + pgbench

Environment: BENCH_REFERRALS_CLIENTS (4), BENCH_REFERRALS_SECONDS (10),
BENCH_REFERRALS_LINKS (200), BENCH_REFERRALS_ORDERS (150).

Profile of a click over HTTP (issue 22; 2026-12-05, SQLite, in-process: cProfile around
198 anonymous GET /s/<token>/ through Django's test client and the whole middleware stack,
load average ~6 on 2 cores). Before, 10.0 ms CPU per request (profiled), top entries by
cumulative time of 12.0 s: the view 7.3 s, of which `record_visit` 5.1 s and
`link_for_token` 3.0 s; Django's `compiler.get_related_selections` 1.12 s on its own (the
`select_related("product").only(...)` walked every reverse relation of Product per click);
session load + save 2.7 s; messages 1.7 s. After (link and product read as plain values,
the same 3 statements): 6.4 ms CPU per request. POST /api/referrals/visits with an
Idempotency-Key answered HTTP 500 (a datetime in the stored response) and is fixed; it
costs 7.5 ms CPU per request (token check, idempotency record, click).

Profile of the click itself (2026-12-05 afternoon, PostgreSQL 15, in-process: cProfile with
a CPU-time clock around 500 calls of `record_visit`, load average 12-20 on 2 cores; CPU per
click measured again without the profiler). Before, a member's repeated click was 5
statements (BEGIN, the link, the visit's id, its UPDATE, COMMIT), 1.58 ms CPU; top entries
by cumulative time of 2.32 s: `record_visit` 2.22 s, `QuerySet.first` (the link, then the
visit) 1.14 s, `link_for_token` 1.10 s, `SQLCompiler.as_sql` 0.64 s (compiling the two
reads), `results_iter` 0.62 s, the manager's `create` path for first clicks (a guest's
first click: 1.62 ms, `link_for_token` 1.09 s of 2.24 s). After (the link's join and the
visit's write as hand-written SQL; a repeated click moves its visit by UPDATE ... RETURNING,
a first one inserts with INSERT ... RETURNING; no transaction around the one write): 2
statements for a repeated click and for a guest's first, 3 for a member's first (the
UPDATE finds nothing); 0.33 ms CPU per repeated click, 0.36 ms per guest's first; top
entries of 0.40 s: `record_visit` 0.40 s, `link_for_token` 0.22 s (of which the token's
HMAC check 0.05 s), `_move_visit` 0.16 s, psycopg's `execute` 0.13 s for both statements.

Over HTTP with a bearer token and an Idempotency-Key (POST /api/referrals/visits,
PostgreSQL, 300 requests): before, 11 statements and 5.45 ms CPU (the token, the key's
read, BEGIN, the claim INSERT, SAVEPOINT, the link, the visit, its UPDATE, RELEASE, the
record's UPDATE, COMMIT); after, 8 statements and 3.40 ms CPU (the token, BEGIN, the key's
advisory lock, the key's read, the link, the visit moved, the record's one INSERT, COMMIT;
a token's `last_used_at` is written at most once a minute by a conditional UPDATE). Of the
3.4 ms, ninja's view is 2.35 of 2.98 s profiled, the token check (`select_related` of the
user) ~0.4 s, the idempotency wrapper 1.23 s including the click; the middleware ~0.45 s.

The bound. Before, the pgbench script ran BEGIN, the link, the visit, an UPDATE and COMMIT,
and never inserted, while most clicks in this run are a visitor's first on that link (4 x
50 visitors, 200 links) and insert. It now runs the click's own statements in autocommit:
the link, the visit moved (UPDATE ... RETURNING, counted) and, when none moved, the INSERT.

On 2026-12-05 (PostgreSQL 15, 4 clients, other sessions' work on the 2 cores):

| | load before clicks / bound | clicks/s | bound (tps) | ratio |
| --- | --- | --- | --- | --- |
| before (5 statements, old bound script) | 9.6 / 10.3 | 175 | 1,515 | 0.12 |
| 2-3 statements by the ORM, new bound | 15.7 / 17.0 | 223 | 1,918 | 0.12 |
| 2-3 statements hand-written, new bound | 19.6 / 20.2 | 248 | 1,047 | 0.24 |
| the same, again | 15.4 / 16.1 | 462 | 1,828 | 0.25 |

Issue 22's goal is 0.3. The bound itself moves by a factor of two with the machine's load,
so these are single samples; a click is now ~0.35 ms of Python CPU against pgbench's few
microseconds of client CPU per transaction, and at a load average of 15-20 each of its 2-3
round trips waits for both processes to be scheduled again.
"""

import os
import random
import time
from datetime import timedelta

from bench.common import (
    BenchShop,
    django_database,
    header,
    percentile,
    pgbench_tps,
    print_table,
    run_clients,
)
from bench.http import LOAD_DRIFT

CLIENTS = int(os.environ.get("BENCH_REFERRALS_CLIENTS", "4"))
SECONDS = float(os.environ.get("BENCH_REFERRALS_SECONDS", "10"))
LINKS = int(os.environ.get("BENCH_REFERRALS_LINKS", "200"))
ORDERS = int(os.environ.get("BENCH_REFERRALS_ORDERS", "150"))
VISITORS_PER_CLIENT = 50


def _world() -> dict:
    """A merchant's store with one product in stock, LINKS sharers each with a link to it,
    and visitors for every client."""
    from omniretail.accounts.models import User
    from omniretail.referrals import links, services

    shop = BenchShop(open_all_week=True)
    store = shop.store
    sku = shop.sku(name="分享商品", code="R1", price="39.90", stock=100_000)
    product = sku.product
    tokens, link_ids = [], []
    for i in range(LINKS):
        sharer = User.objects.create(username=f"sharer{i}", phone=f"1390000{i:04d}")
        link, _points = services.share_product(sharer=sharer, product=product)
        tokens.append(links.token_for(link.public_id))
        link_ids.append(link.pk)
    visitors = [
        User.objects.create(username=f"visitor{i}", phone=f"1370000{i:04d}").pk
        for i in range(CLIENTS * VISITORS_PER_CLIENT)
    ]
    return {
        "tokens": tokens,
        "links": link_ids,
        "visitors": visitors,
        "store": store.pk,
        "sku": sku.pk,
        "product": product.pk,
    }


def _click(token: str, visitor) -> float:
    from omniretail.referrals import services

    started = time.perf_counter()
    services.record_visit(token=token, visitor=visitor)
    return time.perf_counter() - started


def _client(world, index, deadline, queue):
    import django
    from django.db import connections

    django.setup()
    from omniretail.accounts.models import User

    rng = random.Random(index)
    mine = world["visitors"][index * VISITORS_PER_CLIENT : (index + 1) * VISITORS_PER_CLIENT]
    visitors = list(User.objects.filter(pk__in=mine))
    latencies = []
    while time.time() < deadline:
        latencies.append(_click(rng.choice(world["tokens"]), rng.choice(visitors)))
    connections.close_all()
    queue.put(latencies)


def _run_clicks(world) -> tuple[int, float, list[float]]:
    latencies, elapsed = run_clients(_client, world, clients=CLIENTS, seconds=SECONDS)
    return len(latencies), elapsed, latencies


def _queries(action) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        action()
    return len(
        [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    )


def _paid_orders_with_clicks(world) -> list[str]:
    """ORDERS orders paid from the wallet, each buyer with an earlier click on a share link
    (made after payment and dated before it, so the attribution itself is left to time)."""
    from django.utils import timezone

    from omniretail.accounts.models import User
    from omniretail.catalog.models import Sku
    from omniretail.orders import services as orders
    from omniretail.orders.models import Order
    from omniretail.payments import services as payments
    from omniretail.payments.models import PaymentIntent
    from omniretail.referrals import services
    from omniretail.referrals.models import ShareVisit
    from omniretail.stores.models import Store

    store, sku = Store.objects.get(pk=world["store"]), Sku.objects.get(pk=world["sku"])
    slot = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    rng, order_ids = random.Random(7), []
    for i in range(ORDERS):
        buyer = User.objects.create(username=f"buyer{i}", phone=f"1360000{i:04d}")
        payments.top_up_wallet(user=buyer, amount="100.00", idempotency_key=f"bench-{i}")
        order = orders.checkout(
            shopper=buyer,
            lines=[(sku, 1)],
            fulfilment=orders.resolve_fulfilment(
                kind="pickup", store=store, pickup_slot_start=slot
            ),
            payment_provider="balance",
        )
        payments.start_payment(intent=PaymentIntent.objects.get(public_id=order.payment_intent_id))
        paid_at = Order.objects.values_list("paid_at", flat=True).get(pk=order.pk)
        for token in rng.sample(world["tokens"], 2):  # two sharers; the later click wins
            visit = services.record_visit(token=token, visitor=buyer)
            ShareVisit.objects.filter(pk=visit.pk).update(
                visited_at=paid_at - timedelta(hours=rng.randint(1, 48))
            )
        order_ids.append(order.public_id)
    return order_ids


def _time_attribution(order_ids) -> tuple[list[float], int]:
    from omniretail.referrals import services

    latencies = []
    for order_id in order_ids[1:]:
        started = time.perf_counter()
        services.attribute_order(order_id=order_id)
        latencies.append(time.perf_counter() - started)
    return latencies, _queries(lambda: services.attribute_order(order_id=order_ids[0]))


# The click's statements, in autocommit as the click runs them: the link and its product,
# the visit moved, and when there was none (the visitor's first click on that link) a new
# visit inserted.
PGBENCH_SCRIPT = """\\set l random(:link_min, :link_max)
\\set v random(:visitor_min, :visitor_max)
SELECT l.id, l.public_id, l.sharer_id, l.product_id, p.public_id, p.name, p.status
  FROM referrals_sharelink l JOIN catalog_product p ON p.id = l.product_id WHERE l.id = :l;
WITH moved AS (UPDATE referrals_sharevisit SET visited_at = now()
  WHERE link_id = :l AND visitor_id = :v RETURNING id, public_id)
  SELECT count(*) AS moved FROM moved \\gset
\\if :moved = 0
INSERT INTO referrals_sharevisit (public_id, link_id, visitor_id, visited_at, created_at)
  VALUES (substr(md5(random()::text), 1, 26), :l, :v, now(), now());
\\endif
"""


def _pgbench(world) -> tuple[float | None, str]:
    variables = {
        "link_min": min(world["links"]),
        "link_max": max(world["links"]),
        "visitor_min": min(world["visitors"]),
        "visitor_max": max(world["visitors"]),
    }
    return pgbench_tps(PGBENCH_SCRIPT, variables, clients=CLIENTS, seconds=SECONDS)


def main() -> None:
    # paying orders texts the shopper: keep those messages in the scratch directory
    os.environ.setdefault("OMNI_SMS_BACKEND", "omniretail.core.sms.FileSmsBackend")
    # every paid order picks up in one slot: the bench measures clicks, not slot capacity
    os.environ.setdefault("OMNI_PICKUP_SLOT_CAPACITY", "10000")
    header(
        f"referrals: {CLIENTS} clients opening {LINKS} share links for {SECONDS:.0f}s; "
        f"attribution of {ORDERS} paid orders"
    )
    with django_database("referrals") as label:
        world = _world()
        from omniretail.accounts.models import User

        probe = User.objects.get(pk=world["visitors"][0])
        _click(world["tokens"][0], probe)  # warm up; the next click moves the same visit
        click_queries = _queries(lambda: _click(world["tokens"][0], probe))
        load = os.getloadavg()[0]
        clicks, elapsed, latencies = _run_clicks(world)
        rate = clicks / elapsed
        rows = [
            [
                label,
                "open a share link",
                clicks,
                rate,
                percentile(latencies, 50) * 1000,
                percentile(latencies, 99) * 1000,
                click_queries,
            ]
        ]
        bound = note = None
        bound_load = os.getloadavg()[0]
        if label == "postgresql":
            bound, note = _pgbench(world)
            if bound is not None:
                rows.append([label, "pgbench, same row operations", "-", bound, "-", "-", "2-3"])
        attributions, attribution_queries = _time_attribution(_paid_orders_with_clicks(world))
        rows.append(
            [
                label,
                "attribute a paid order",
                len(attributions),
                len(attributions) / sum(attributions),
                percentile(attributions, 50) * 1000,
                percentile(attributions, 99) * 1000,
                attribution_queries,
            ]
        )
        print_table(["db", "what", "n", "per s", "p50 ms", "p99 ms", "queries"], rows)
        print(
            f"load average (1 min) before the clicks {load:.2f}, before the bound {bound_load:.2f}"
        )
        if bound and abs(load - bound_load) / max(bound_load, 0.5) > LOAD_DRIFT:
            print("clicks: no ratio, the load differed between the clicks and the bound")
        elif bound:
            print(
                f"clicks: ratio to the pgbench bound {rate / bound:.2f} ({rate:.0f} / {bound:.0f})"
            )
        elif note:
            print(f"no pgbench bound: {note}")


if __name__ == "__main__":
    main()
