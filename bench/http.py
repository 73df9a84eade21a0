"""Shopper pages and the catalog API over real HTTP (issue 22), served as production serves
them (`omniretail serve --workers 2`, uvicorn, the demo city loaded), against a bound
measured in the same run: a minimal Django view doing one `SELECT 1` through the same
middleware. 16 keep-alive clients (4 processes x 4 threads) ask for one page at a time for
BENCH_HTTP_SECONDS; each figure is the median of 3 runs. On PostgreSQL it also counts the
sessions the server opened (`pg_stat_database.sessions`): with the pool there must be no
more than pool size x processes, however many requests ran.

The load average is printed before each run; when the bound's run and a page's ran under
very different load (other work on the machine), the ratio is not printed.

Notes, 5 December 2026 (2 cores shared with six other sessions, load average 19-20 in both
runs, PostgreSQL 15, BENCH_HTTP_SECONDS=4; req/s and ratio, before -> after links and static
URLs were worked out once per process, commit "web: links on every page reversed once"):
bound 200 -> 311 req/s; home 12 (0.06) -> 16 (0.05); categories 60 (0.30) -> 118 (0.38);
search 11 (0.06) -> 15 (0.05); product 15 (0.07) -> 32 (0.10); API products 20 (0.10) ->
30 (0.10); API search 22 (0.11) -> 27 (0.09); no errors. A third run with photo URLs
derived too (load 17): bound 421; home 16 (0.04), categories 115 (0.27), search 18 (0.04),
product 32 (0.08), API products 47 (0.11), API search 45 (0.11). At this load the bound
moves by half between runs; the ratios are far from 0.5 either way. Sessions under load: 17 for
about 7,600 requests (pool max 10 x 2 = 20), 6 while starting (the release check's pool
and the first worker's), 20 of the server's open at the end: none was replaced.

Where a page's CPU goes beyond the bound (in-process: the Django test client with these
settings on the same PostgreSQL data, cProfile on CPU time; a share is of the page's own
CPU). The bound is 0.5 ms: ~10 % access log, ~9 % LocaleMiddleware, the rest the other
middleware and its one query. base.html alone (tab bar, language form, nine static files)
took 0.65 ms, 0.48 after the change above. Per page, after:
- home (~14 ms, 8 queries): templates 57 % (cards: sample_for, promotion_for and
  special_for each reading the running campaigns), SQL compilation 22 %,
  web.mall.home_sections, merchandising guess_ids, featured_ids, running_banners;
  reverse() 9 % -> 1 %, photo URLs (storage.url per srcset width) 5 % -> 2 %.
- search (~18 ms, 10 queries): templates 84 %, the same card tags, SQL compilation 18 %;
  reverse() 9 % -> 0, photo URLs 5 % -> 2 %.
- product (~12 ms, 10 queries): templates 74 %, SQL compilation 38 %: public_product,
  spec_picker, rating_and_recent, specials.running, running_promotions, unit_prices.
- categories (~3.3 ms, 2 queries): templates ~50 %, reverse() 10 % (14 category links in
  categories.html, still `{% url %}`), category_tree.
- API products (~7 ms, 4 queries) and search (~8 ms, 6): the page's queryset (products with
  their prefetches: model instances and SQL compilation ~20 %) and the schema's output.
Gzip, ETag, CSRF, sessions and the context processors stay under 2 % of any page.

Under `serve` every request also pays ~0.6 ms of thread hops: with RejectNulBytesMiddleware
(sync only) in the middle of async-capable middleware, Django's ASGI handler runs the outer
middleware in a thread, hops back to the event loop for the inner ones (each
MiddlewareMixin method one more hop) and to a thread again for the view: 9 hops for a
minimal page. omniretail/asgi.py now loads the chain as one sync chain and runs it in one
thread per request (SyncChainASGIHandler): 1 hop. Server CPU per bound request, SQLite,
before -> after: uvicorn, one worker, 8 keep-alive clients, 6 s at load 14-18: 1.81 and
1.91 -> 1.41 and 1.37 ms (111-116 -> 129-159 req/s); in-process (the ASGI application
called by 8 asyncio clients, 2,000 requests, process CPU time): 1.55-1.64 -> 1.00-1.10 ms.
Making the chain async-capable instead (the sync-only middleware made async) cannot win:
Django's own middleware is MiddlewareMixin, whose async path hops once per method, and with
the five sync-only middleware simply removed the all-async chain already cost 1.70-1.75
ms. An async view (the counters' long-poll) still waits on the event loop, its request's
thread idle, as it did behind the sync middleware before. This bench after it, on SQLite
(BENCH_HTTP_SECONDS=2, load 17-18; no run before it under the same conditions): bound 137
req/s; home 0.27, categories 0.52, search 0.26, product 0.35, API products 0.36, API search
0.29; no errors."""

import http.client
import os
import statistics
import subprocess
import threading
import time

from bench.common import (
    close_connections,
    django_database,
    free_port,
    header,
    percentile,
    print_table,
    run_clients,
    start_server,
    stop_server,
)

SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "8"))
PROCESSES, THREADS, WORKERS, RUNS = 4, 4, 2, 3
BOUND = "/bench/bound/"
LOAD_DRIFT = 0.5  # a run's load average may differ from the bound's by this share
COUNTER_NAME = "omniretail-bench-counter"  # application_name of the bench's own session
SERVER_NAME = "omniretail-bench-server"  # PGAPPNAME of the server's sessions


def _world() -> dict:
    from django.core.management import call_command

    from omniretail.catalog.models import Product
    from omniretail.demo import load_demo_city

    load_demo_city()
    call_command("collectstatic", interactive=False, verbosity=0)  # as a release does
    product = Product.objects.filter(status="approved").order_by("id").first()
    return {
        "pages": {
            "home": "/",
            "categories": "/categories/",
            "search 面膜": "/search/?q=%E9%9D%A2%E8%86%9C",
            "product": f"/p/{product.public_id}/",
            "api products": "/api/catalog/products?limit=20",
            "api search": "/api/catalog/products?q=%E9%9D%A2%E8%86%9C&limit=20",
        }
    }


def _start(port: int) -> subprocess.Popen:
    """`serve --workers 2` with the bound's view mounted, up once the bound answers."""
    env = {"DJANGO_SETTINGS_MODULE": "bench.http_settings", "PGAPPNAME": SERVER_NAME}
    return start_server(port, workers=WORKERS, env=env, probe=BOUND)


def _client(world, index, deadline, queue) -> None:
    """One forked client process: THREADS keep-alive connections asking for one URL, with
    `world["headers"]` too (bench/pages.py sends its shopper's session cookie)."""
    latencies, errors = [], [0]
    headers = {"Accept-Encoding": "gzip", **world.get("headers", {})}

    def loop():
        conn = http.client.HTTPConnection("127.0.0.1", world["port"], timeout=30)
        while time.time() < deadline:
            started = time.perf_counter()
            conn.request("GET", world["url"], headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors[0] += 1
            latencies.append(time.perf_counter() - started)

    threads = [threading.Thread(target=loop) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put([(latencies, errors[0])])


def _run(world, url: str) -> tuple[float, float, int, float]:
    """Requests per second, p99 ms, errors, load average before the run."""
    load = os.getloadavg()[0]
    results, elapsed = run_clients(
        _client, {**world, "url": url}, clients=PROCESSES, seconds=SECONDS
    )
    latencies = [x for lat, _e in results for x in lat]
    errors = sum(e for _lat, e in results)
    return len(latencies) / elapsed, percentile(latencies, 99) * 1000, errors, load


class SessionCounter:
    """`pg_stat_database.sessions` of the bench's database, read over one plain connection
    (named COUNTER_NAME) that the bench holds from before the server starts to after it
    stops: the bench's own session is counted before the first read, never in a difference.

    It used to look through Django's connection, whose pool (min_size 2, growing by one when
    the first checkout finds none ready) opened 3 sessions per look while the bench
    subtracted one: the "21 sessions for pool max 10 x 2" of 5 December were the server's
    19 and two of the bench's own (measured: one pooled look, 3 sessions; one plain
    connection read twice, 0). The server's sessions carry SERVER_NAME (PGAPPNAME), so the
    ones still open at the end are counted by name."""

    def __init__(self):
        import psycopg
        from django.db import connection

        db = connection.settings_dict
        params = {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"]}
        params |= {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432}
        self.conn = psycopg.connect(**params, application_name=COUNTER_NAME, autocommit=True)

    def sessions(self) -> int:
        row = self.conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
        return row[0]

    def server_sessions_open(self) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            [SERVER_NAME],
        ).fetchone()
        return row[0]

    def close(self) -> None:
        self.conn.close()


def main() -> None:
    with django_database("http") as label:
        from django.conf import settings

        world = _world()
        world["port"] = port = free_port()
        close_connections()
        counter = SessionCounter() if label == "postgresql" else None
        sessions_at_start = counter.sessions() if counter else 0
        server = _start(port)
        sessions_ready = counter.sessions() if counter else 0  # started, answered its probe
        rows, requests, open_at_end = [], 0, 0
        try:
            urls = {"bound: SELECT 1 view": BOUND, **world["pages"]}
            runs = {name: [] for name in urls}
            for _ in range(RUNS):  # interleaved, so a burst of other work hits all alike
                for name, url in urls.items():
                    runs[name].append(_run(world, url))
            open_at_end = counter.server_sessions_open() if counter else 0
            bound_rps = statistics.median(r[0] for r in runs["bound: SELECT 1 view"])
            bound_load = statistics.median(r[3] for r in runs["bound: SELECT 1 view"])
            for name, results in runs.items():
                rps = statistics.median(r[0] for r in results)
                load = statistics.median(r[3] for r in results)
                requests += int(sum(r[0] for r in results) * SECONDS)
                drift = abs(load - bound_load) / max(bound_load, 0.5)
                ratio = f"{rps / bound_rps:.2f}" if drift <= LOAD_DRIFT else "(load differs)"
                p99 = statistics.median(r[1] for r in results)
                errors = sum(r[2] for r in results)
                rows.append([name, f"{rps:.0f}", f"{p99:.0f}", errors, f"{load:.2f}", ratio])
        finally:
            stop_server(server, grace_s=30)
        time.sleep(1)  # the server's sessions have ended and reported

        clients = PROCESSES * THREADS
        header(f"HTTP pages under `serve --workers {WORKERS}` ({label}), {clients} clients")
        print_table(["page", "req/s", "p99 ms", "errors", "load avg", "ratio to bound"], rows)
        print(f"each figure: median of {RUNS} runs of {SECONDS:.0f} s; target ratio >= 0.5")
        if counter:
            sessions_after = counter.sessions()
            counter.close()
            starting = sessions_ready - sessions_at_start
            opened = sessions_after - sessions_ready
            pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool") or {}
            bound = (pool.get("max_size") or 1) * WORKERS
            verdict = "within" if opened <= bound else "OVER"
            print(
                f"PostgreSQL sessions the server opened under load: {opened} for about "
                f"{requests} requests ({verdict} pool max {bound // WORKERS} x {WORKERS} "
                f"processes = {bound}; {open_at_end} of the server's still open at the end); "
                f"{starting} while starting (the release check's, the first worker's pool)"
            )


if __name__ == "__main__":
    main()
