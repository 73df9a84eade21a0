"""The topology proof's mixed load (omniretail/testing/topology.py: shoppers log in by SMS
code, check out and pay at the sandbox gateway, share a link, join a group buy; a counter
long-polls on one port for commands made on the other) on 1 web + 1 worker process, then
on 2 web + 2 workers, each on a fresh database of the same PostgreSQL and the same Redis,
with no process killed. Prints throughput, request latency p50/p99, outbox lag p99 (an
event's creation to its delivery) and the ratio of the second topology to the first (the
bound measured in the same run). The web and worker processes, PostgreSQL, Redis and the
driver share the machine's cores: on 2 cores the ratio shows contention, not scale.

    python -m bench.topology      # needs DATABASE_URL (PostgreSQL) and REDIS_URL

Environment: BENCH_TOPOLOGY_SHOPPERS (60), BENCH_TOPOLOGY_THREADS (8).
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import REPO, django_database, header, machine_info, percentile, print_table

SHOPPERS = int(os.environ.get("BENCH_TOPOLOGY_SHOPPERS", "60"))
THREADS = int(os.environ.get("BENCH_TOPOLOGY_THREADS", "8"))
TOPOLOGIES = [(1, 1), (2, 2)]


def forget_redis_keys() -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{settings.OMNI_REDIS_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def one(webs: int, workers: int) -> dict:
    """One topology on a fresh database; runs in a process of its own (Django is set up
    once per process) and returns its figures."""
    from omniretail.testing import topology

    work_dir = Path(tempfile.mkdtemp(prefix="omni-bench-topology-"))
    os.environ["SECRET_KEY"] = topology.SECRET_KEY  # the driver verifies counter commands
    with django_database(f"topology_{webs}x{workers}"):
        os.environ.pop("OMNI_EMBEDDED", None)  # the processes run as in production
        forget_redis_keys()  # the first run's rate-limit counters would refuse these logins
        run = topology.drive(
            webs=webs,
            workers=workers,
            shoppers=SHOPPERS,
            threads=THREADS,
            chaos=False,
            work_dir=work_dir,
        )
        latencies = run["latencies"]
        return {
            "topology": f"{webs} web + {workers} worker{'s' if workers > 1 else ''}",
            "journeys": run["journeys"],
            "errors": len(run["errors"]),
            "requests": run["requests"],
            "seconds": run["elapsed"],
            "journeys_s": run["journeys"] / run["elapsed"],
            "requests_s": run["requests"] / run["elapsed"],
            "p50_ms": percentile(latencies, 50) * 1000,
            "p99_ms": percentile(latencies, 99) * 1000,
            "outbox_lag_p99_s": run["outbox_lag_p99"],
            "settled": run["settled"][1],
        }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        print("RESULT " + json.dumps(one(int(sys.argv[2]), int(sys.argv[3]))), flush=True)
        return
    header(f"topology: the mixed load of {SHOPPERS} shoppers on 1 web + 1 worker vs 2 + 2")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("skipped: several processes share one database only on PostgreSQL")
        return
    if not os.environ.get("REDIS_URL"):
        print("skipped: needs REDIS_URL (the workers' queue and the shared cache)")
        return
    results = []
    for webs, workers in TOPOLOGIES:
        out = subprocess.run(
            [sys.executable, "-m", "bench.topology", "--one", str(webs), str(workers)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
        if line is None:
            sys.exit(f"the {webs}+{workers} run failed:\n{out.stdout[-3000:]}{out.stderr[-3000:]}")
        results.append(json.loads(line.removeprefix("RESULT ")))
    columns = [
        "topology",
        "journeys",
        "errors",
        "requests",
        "seconds",
        "journeys_s",
        "requests_s",
        "p50_ms",
        "p99_ms",
        "outbox_lag_p99_s",
        "settled",
    ]
    print_table(columns, [[r[c] for c in columns] for r in results])
    base, scaled = results
    print(
        f"ratio 2+2 / 1+1: throughput {scaled['requests_s'] / base['requests_s']:.2f}x, "
        f"p99 {scaled['p99_ms'] / base['p99_ms']:.2f}x, "
        f"outbox lag p99 {scaled['outbox_lag_p99_s'] / max(base['outbox_lag_p99_s'], 1e-9):.2f}x"
    )
    cores = machine_info()["cores"]
    print(
        f"note: {cores} cores run every web and worker process, PostgreSQL, Redis and the load "
        "driver together; on 2 cores the ratio shows contention, not scale (a second web "
        "and worker add processes, not cores)."
    )
    if any(r["errors"] or not r["settled"] for r in results):
        sys.exit("some journeys failed or the sweeps never settled (see the table)")


if __name__ == "__main__":
    main()
