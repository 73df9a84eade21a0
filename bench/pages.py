"""The shopper's main pages over real HTTP (issue 16): home, a category's list, search,
product, cart, checkout, 我的 and orders, signed in as a demo shopper with goods in the
cart and an order placed, served as production serves them (`omniretail serve --workers
2`, the demo city loaded), against a bound measured in the same run: bench/http.py's
minimal Django view doing one `SELECT 1` through the same middleware. 16 keep-alive
clients (4 processes x 4 threads) with the shopper's session cookie ask for one page at a
time for BENCH_PAGES_SECONDS; each figure is the median of 3 runs (interleaved). Before
the load, each page is opened once in-process to count its SQL queries (the issue's
bound: 15 per shopper page; each page's row says whether it is within).

The load average is printed; when the bound's run and a page's ran under very different
load, the ratio is not printed (bench/http.py's rule)."""

import os
import statistics

from bench.common import (
    close_connections,
    django_database,
    header,
    like_other_work,
    measured,
    percentile,
    print_table,
    run_clients,
)
from bench.http import BOUND, PROCESSES, RUNS, THREADS, WORKERS, _client, _start

SECONDS = float(os.environ.get("BENCH_PAGES_SECONDS", "5"))
QUERY_BOUND = 15


def _world() -> dict:
    """The demo city, a signed-in shopper (a session row the server reads), two lines in
    their cart and one order placed."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from omniretail.accounts.models import User
    from omniretail.demo import SHOPPER_PHONES, load_demo_city
    from omniretail.inventory.models import StockLevel
    from omniretail.orders import services, slots

    load_demo_city()
    call_command("collectstatic", interactive=False, verbosity=0)  # as a release does
    shopper = User.objects.get(phone=SHOPPER_PHONES[0])
    stocked = (
        StockLevel.objects.filter(on_hand__gt=10, location__store__isnull=False)
        .select_related("location__store", "sku__product")
        .order_by("id")
    )
    first = stocked.first()
    store = first.location.store
    in_store = [level.sku for level in stocked.filter(location=first.location)[:2]]
    cart = services.cart_for(user=shopper)
    for sku in in_store:
        services.add_to_cart(cart=cart, sku=sku, quantity=1)
    slot = slots.open_slots(store)[0]
    services.checkout(
        shopper=shopper,
        lines=[(in_store[0], 1)],
        fulfilment=services.resolve_fulfilment(kind="pickup", store=store, pickup_slot_start=slot),
        payment_provider="balance",
    )
    session = SessionStore()
    session[SESSION_KEY] = str(shopper.pk)
    session[BACKEND_SESSION_KEY] = "omniretail.accounts.backends.UserBackend"
    session[HASH_SESSION_KEY] = shopper.get_session_auth_hash()
    session.create()
    product = in_store[0].product
    return {
        "headers": {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"},
        "shopper_id": shopper.pk,
        "pages": {
            "home": "/",
            "list": f"/c/{product.category.slug}/",
            "search 面膜": "/search/?q=%E9%9D%A2%E8%86%9C",
            "product": f"/p/{product.public_id}/",
            "cart": "/cart/",
            "checkout": "/checkout/",
            "我的": "/me/",
            "orders": "/orders/",
        },
    }


def _queries(world) -> dict[str, int]:
    """Each page once in-process, signed in as the shopper: how many SQL queries it runs."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from omniretail.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=world["shopper_id"]))
    counts = {}
    for name, url in world["pages"].items():
        client.get(url)  # warm: caches, the first view of the product
        with CaptureQueriesContext(connection) as ran:
            status = client.get(url).status_code
        counts[name] = len(ran.captured_queries) if status == 200 else -status
    return counts


def _within(count: int) -> str:
    """A page's verdict against the issue's bound (a page that failed is not within)."""
    return "yes" if 0 <= count <= QUERY_BOUND else "OVER"


def _run(world, url: str) -> tuple[float, float, float, int, float, float]:
    """Requests per second, p50 and p99 ms, errors, load average before the run, the cores
    other work took meanwhile (bench.common.OtherWork decides whether a ratio is printed)."""
    (results, elapsed), load, others = measured(
        lambda: run_clients(_client, {**world, "url": url}, clients=PROCESSES, seconds=SECONDS)
    )
    latencies = [x for lat, _e in results for x in lat]
    errors = sum(e for _lat, e in results)
    return (
        len(latencies) / elapsed,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
        errors,
        load,
        others,
    )


def main() -> None:
    with django_database("pages") as label:
        from bench.common import free_port as _free_port

        world = _world()
        queries = _queries(world)
        world["port"] = port = _free_port()
        close_connections()
        server = _start(port)
        rows = []
        try:
            urls = {"bound: SELECT 1 view": BOUND, **world["pages"]}
            runs = {name: [] for name in urls}
            for _ in range(RUNS):  # interleaved, so a burst of other work hits all alike
                for name, url in urls.items():
                    runs[name].append(_run(world, url))
        finally:
            server.terminate()
            server.wait(timeout=30)
        bound_rps = statistics.median(r[0] for r in runs["bound: SELECT 1 view"])
        bound_others = statistics.median(r[5] for r in runs["bound: SELECT 1 view"])
        for name, results in runs.items():
            rps = statistics.median(r[0] for r in results)
            load = statistics.median(r[4] for r in results)
            others = statistics.median(r[5] for r in results)
            alike = like_other_work(others, bound_others)
            ratio = f"{rps / bound_rps:.2f}" if alike else "(other work differs)"
            count = queries.get(name, 1)  # the bound runs one SELECT
            rows.append(
                [
                    name,
                    f"{rps:.0f}",
                    f"{statistics.median(r[1] for r in results):.0f}",
                    f"{statistics.median(r[2] for r in results):.0f}",
                    sum(r[3] for r in results),
                    count if count >= 0 else f"HTTP {-count}",
                    "" if name not in queries else _within(count),
                    f"{load:.2f}",
                    f"{others:.2f}",
                    ratio,
                ]
            )
        clients = PROCESSES * THREADS
        header(
            f"Shopper pages signed in, under `serve --workers {WORKERS}` ({label}), "
            f"{clients} clients"
        )
        print_table(
            [
                "page",
                "req/s",
                "p50 ms",
                "p99 ms",
                "errors",
                "queries",
                f"<= {QUERY_BOUND}",
                "load avg",
                "other cores",
                "ratio",
            ],
            rows,
        )
        over = [n for n, c in queries.items() if c < 0 or c > QUERY_BOUND]
        print(
            f"each figure: median of {RUNS} runs of {SECONDS:.0f} s; ratio = req/s over the "
            f"bound's; queries per page bound {QUERY_BOUND}: "
            + (f"OVER on {', '.join(over)}" if over else "every page within")
        )


if __name__ == "__main__":
    main()
