"""Till throughput: concurrent clerks ringing up sales through `till.services.ring_up`, each
for a member named by phone (member lookup), with the member's tier discount (10 %), paid in
cash with change, and the paid order's points earned (the merchant's offline points by a
per-item rule with quantity tiers, through the outbox delivered inline after commit), in
separate processes as web workers would be. In the same run, on the same database: the
plain checkout benchmark (`bench.checkout`'s clients) and, on PostgreSQL, its pgbench bound;
both ratios are printed. The SQL query count of one till sale is printed too.

    python -m bench.till      # SQLite; with DATABASE_URL set, PostgreSQL + pgbench

Environment: BENCH_TILL_CLIENTS (8), BENCH_TILL_SECONDS (15), and bench.checkout's
BENCH_CHECKOUT_* for the checkout half.
"""

import os
import time

from bench import checkout
from bench.common import django_database, header, percentile, print_table, run_clients

CLIENTS = int(os.environ.get("BENCH_TILL_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_TILL_SECONDS", "15"))
MEMBERS_EACH = 200  # members each clerk serves in turn (their points keep growing)


def _world():
    """Checkout's world (a store with plenty of stock, shoppers) plus the till's: the
    store's clerk, a 金卡 tier at 10 %, a per-item rule paying offline points 1 / 3 for one /
    two identical items, and the first shoppers as members of the merchant."""
    from django.utils import timezone

    from omniretail.accounts.models import Membership, User
    from omniretail.accounts.services import create_staff
    from omniretail.loyalty import members
    from omniretail.loyalty import services as loyalty
    from omniretail.loyalty.models import Member
    from omniretail.stores.models import Store

    world = checkout._world()
    store = Store.objects.select_related("merchant").get(pk=world["store"])
    merchant = store.merchant
    clerk = create_staff(
        username="clerk",
        password="Bench-pass-2026",
        organization=merchant,
        role=Membership.Role.STAFF,
    )
    members.set_tiers(org=merchant, tiers=[{"name": "金卡", "discount_percent": 10}])
    loyalty.set_earn_rule(
        org=merchant, kind="per_item", points=1, tiers={"1": 1, "2": 3}, target="offline"
    )
    member_ids = world["shoppers"][: CLIENTS * MEMBERS_EACH]
    now = timezone.now()
    Member.objects.bulk_create(
        Member(user_id=pk, org=merchant, tier="金卡", activated_at=now, tier_computed_at=now)
        for pk in member_ids
    )
    phones = dict(User.objects.filter(pk__in=member_ids).values_list("pk", "phone"))
    return {**world, "clerk": clerk.pk, "phones": [phones[pk] for pk in member_ids]}


def _sale_once(world, phone, rng):
    from omniretail.accounts.models import User
    from omniretail.catalog.models import Sku
    from omniretail.stores.models import Store
    from omniretail.till import services

    store = Store.objects.select_related("merchant").get(pk=world["store"])
    clerk = User.objects.get(pk=world["clerk"])
    a, b = rng.sample(world["skus"], 2)
    skus = {s.pk: s for s in Sku.objects.select_related("product").filter(pk__in=[a, b])}
    started = time.perf_counter()
    sale = services.ring_up(
        staff=clerk,
        store=store,
        lines=[(skus[a], 2), (skus[b], 1)],
        member=phone,
        payment="cash",
        cash_tendered="50.00",
    )
    elapsed = time.perf_counter() - started
    assert sale.points and sale.order.discount_total > 0, "no points or no discount"
    return elapsed


def _client(world, index, deadline, queue):
    import random

    import django
    from django.db import connections

    django.setup()
    rng = random.Random(index)
    own = world["phones"][index * MEMBERS_EACH : (index + 1) * MEMBERS_EACH]
    latencies = []
    while time.time() < deadline:
        latencies.append(_sale_once(world, own[len(latencies) % len(own)], rng))
    connections.close_all()
    queue.put(latencies)


def _queries_per_sale(world) -> int:
    import random

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _sale_once(world, world["phones"][-1], random.Random(0))  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        _sale_once(world, world["phones"][-2], random.Random(1))
    return len(
        [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    )


def main() -> None:
    header(
        f"till: {CLIENTS} clerks for {SECONDS:.0f}s, 3 units on 2 lines per sale, member by "
        "phone, tier discount, cash with change, offline points earned"
    )
    with django_database("till") as label:
        world = _world()
        queries = _queries_per_sale(world)
        sales, elapsed = run_clients(_client, world, clients=CLIENTS, seconds=SECONDS)
        rate = len(sales) / elapsed
        orders, checkout_elapsed, checkout_latencies = checkout._run_clients(world)
        checkout_rate = orders / checkout_elapsed
        rows = [
            [
                label,
                "till sale (member, discount, points)",
                len(sales),
                rate,
                percentile(sales, 50) * 1000,
                percentile(sales, 99) * 1000,
                queries,
            ],
            [
                label,
                "plain checkout (bench.checkout)",
                orders,
                checkout_rate,
                percentile(checkout_latencies, 50) * 1000,
                percentile(checkout_latencies, 99) * 1000,
                "-",
            ],
        ]
        bound = note = None
        if label == "postgresql":
            bound, note = checkout._pgbench(world)
            if bound is not None:
                rows.append([label, "pgbench, checkout's row writes", "-", bound, "-", "-", 14])
        print_table(["db", "what", "count", "per s", "p50 ms", "p99 ms", "queries"], rows)
        print(
            f"ratio to the plain checkout: {rate / checkout_rate:.2f} "
            f"({rate:.0f} / {checkout_rate:.0f} per s)"
        )
        if bound:
            print(
                f"ratio to checkout's pgbench bound: {rate / bound:.2f} "
                f"({rate:.0f} / {bound:.0f} per s)"
            )
        elif note:
            print(f"no pgbench bound: {note}")
        print(f"SQL queries per till sale: {queries}")


if __name__ == "__main__":
    main()
