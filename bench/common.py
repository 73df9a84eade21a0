"""What every benchmark needs: a fresh, migrated database (a temporary SQLite file, or a new
database on the PostgreSQL server that DATABASE_URL names), `omniretail serve` started
and stopped for the ones measured over the network, the machine it ran on, and a
plain-text result table."""

import functools
import logging
import multiprocessing
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from queue import Empty
from typing import TypeVar
from urllib.error import HTTPError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")
CLIENT_GRACE_S = 120  # past its deadline, how long a client may take to report


def machine_info() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": str(os.cpu_count()),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def _fresh_postgres(url: str, suffix: str) -> tuple[str, Callable[[], None]]:
    """Create `<db>_<suffix>` next to the database in `url`; return its URL and a dropper."""
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'omniretail'}_{suffix}"
    admin_urls = [url, urlunsplit(parts._replace(path="/postgres"))]

    def run(sql: str) -> None:
        last_error = None
        for admin_url in admin_urls:
            try:
                with psycopg.connect(admin_url, autocommit=True) as conn:
                    conn.execute(sql)
                return
            except psycopg.OperationalError as exc:  # the named database may not exist yet
                last_error = exc
        raise last_error

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}")), lambda: run(
        f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    )


@contextmanager
def django_database(name: str) -> Iterator[str]:
    """Set Django up on a database of its own for benchmark `name`, migrated; yield a label
    for the result table ("sqlite" or "postgresql"). The database is removed afterwards."""
    scratch = tempfile.TemporaryDirectory(prefix=f"omni-bench-{name}-")
    os.environ["OMNI_DATA_DIR"] = scratch.name
    os.environ.setdefault("OMNI_EMBEDDED", "1")  # a generated key in the scratch directory
    # No worker runs beside a benchmark (nor beside start_server's `serve --no-worker`): the
    # process that commits an event delivers it, as the tests do. A bench that measures
    # delivery by task starts its own worker and says so (bench/checkout_http.py).
    os.environ.setdefault("OMNI_EVENTS_DELIVERY", "inline")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniretail.settings")
    drop = None
    if url := os.environ.get("DATABASE_URL"):
        fresh_url, drop = _fresh_postgres(url, f"bench_{name}")
        os.environ["DATABASE_URL"] = fresh_url
        label = "postgresql"
    else:
        os.environ["OMNI_SQLITE_PATH"] = str(Path(scratch.name) / "bench.sqlite3")
        label = "sqlite"

    import django
    from django.core.management import call_command

    django.setup()
    # a benchmark prints its figures, not one access line per request it makes
    logging.getLogger("omniretail.access").setLevel(logging.WARNING)
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"migrated a fresh {label} database in {time.perf_counter() - started:.1f}s")
    try:
        yield label
    finally:
        close_connections()
        if drop is not None:
            drop()
        scratch.cleanup()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (the state is field 0)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """The process's CPU time so far (utime + stime from /proc)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _answers(port: int, probe: str) -> bool:
    if not probe:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    try:
        with urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2) as response:
            return response.status == 200
    except HTTPError:
        return False


def start_server(
    port: int,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    probe: str = "",
    start_s: float = float(os.environ.get("BENCH_START_S", "120")),
) -> subprocess.Popen:
    """`omniretail serve --no-worker` on 127.0.0.1:`port`, as production runs it (uvicorn;
    one worker keeps it one process, so its CPU seconds are the server's), its output
    discarded, with `env` over this process's environment. Returns once it answers: a GET
    of `probe` with a 200, else a TCP connect. A loaded machine takes long to import
    Django, so it gets `start_s` (BENCH_START_S, 120 s); one that never answers is stopped,
    not left behind."""
    command = [sys.executable, "-m", "omniretail.cli", "serve", "--no-worker"]
    proc = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        cwd=REPO,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + start_s
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if _answers(port, probe):
                return proc
        except OSError:
            pass
        time.sleep(0.2)
    stop_server(proc)
    raise SystemExit(f"the server on port {port} did not start (exit code {proc.returncode})")


def stop_server(proc: subprocess.Popen, *, grace_s: float = 10) -> None:
    """SIGTERM, then SIGKILL if it has not gone within `grace_s` (a long-poll or a socket
    still open: do not wait it out)."""
    proc.terminate()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value that `pct` per cent of values do not exceed."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


OTHER_DRIFT = 0.5  # cores of other work a run and its bound may differ by


def _tree_seconds(*roots: int) -> float:
    """CPU of `roots` and their descendants, from one pass over /proc: live ones from their
    own counters, ended ones from the cutime/cstime of whoever waited for them (clients,
    pgbench, a stopped server)."""
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid = int(entry.parent.name)
            stats[pid] = _stat(pid)
        except (OSError, ValueError):
            continue
        children.setdefault(int(stats[pid][1]), []).append(pid)
    total, todo = 0, list(roots)
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += sum(int(v) for v in stats[pid][11:15])  # utime stime cutime cstime
            todo.extend(children.get(pid, []))
    return total / os.sysconf("SC_CLK_TCK")


def _busy_seconds() -> float:
    """CPU the whole machine spent busy so far (every core), from /proc/stat."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


@functools.cache
def _postmaster() -> int | None:
    """The PostgreSQL server this benchmark uses when it runs on this machine: the process
    listening on DATABASE_URL's port, found in /proc without opening a session (bench.http
    counts the server's sessions). None for SQLite or a server elsewhere."""
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    if not url.scheme.startswith("postgres") or url.hostname not in ("127.0.0.1", "localhost"):
        return None
    port, inodes = url.port or 5432, set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state, inode = (line.split()[i] for i in (1, 3, 9))
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: listening
                inodes.add(f"socket:[{inode}]")
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        try:
            if os.readlink(fd) in inodes:
                return int(fd.parent.parent.name)
        except OSError:
            continue
    return None


class OtherWork:
    """The cores that work outside this benchmark kept busy while it ran: the machine's busy
    CPU less this process tree's and its PostgreSQL server's. A load average cannot tell
    them apart: a bound measured after our runs inherits their load and would be refused for
    it. Start it just before a run, read `cores()` just after."""

    def __init__(self) -> None:
        self.roots = [os.getpid(), *filter(None, [_postmaster()])]
        self.started = time.monotonic()
        self.busy, self.own = _busy_seconds(), _tree_seconds(*self.roots)

    def cores(self) -> float:
        """Cores of other work over the run; what the clock ticks cannot resolve (a tick per
        core at either end: everything, over a run of a few milliseconds) counts as none."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        other = (_busy_seconds() - self.busy) - (_tree_seconds(*self.roots) - self.own)
        resolution = 2 * (os.cpu_count() or 1) / os.sysconf("SC_CLK_TCK")
        return max(other - resolution, 0.0) / elapsed


def measured(run: Callable[[], T]) -> tuple[T, float, float]:
    """`run()`'s answer, the load average at its start and the cores other work took while it
    ran (OtherWork): what each benchmark prints beside a run and its bound."""
    load, other = os.getloadavg()[0], OtherWork()
    answer = run()
    return answer, load, other.cores()


def like_other_work(cores: float, bound_cores: float) -> bool:
    """Whether a run and its bound shared the machine with about as much other work: on a
    shared machine other work takes cores from one and not the other, and their ratio would
    say nothing."""
    return abs(cores - bound_cores) <= OTHER_DRIFT


def header(title: str) -> None:
    info = machine_info()
    print()
    print(f"=== {title}")
    print(
        f"machine: {info['cores']} cores, {info['cpu']}; Python {info['python']}; {info['system']}"
    )


def print_table(columns: Sequence[str], rows: Sequence[Sequence]) -> None:
    cells = [[str(c) for c in columns]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    for index, row in enumerate(cells):
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            print("  ".join("-" * width for width in widths))


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def close_connections() -> None:
    """Close this process's connections and, on PostgreSQL, its connection pool: a forked
    child must not share the pool's sockets with its parent, and a database is dropped only
    once nothing holds a connection to it."""
    from django.db import connections

    connections.close_all()
    for conn in connections.all(initialized_only=True):
        if hasattr(conn, "close_pool"):
            conn.close_pool()


def run_clients(client: Callable, world, *, clients: int, seconds: float) -> tuple[list, float]:
    """Run `client(world, index, deadline, queue)` in `clients` forked processes (as web
    workers would be) until the deadline; return what they put on the queue, joined, and
    the elapsed time. A client that dies fails the benchmark instead of hanging it."""
    close_connections()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    deadline = time.time() + seconds
    started = time.perf_counter()
    procs = [ctx.Process(target=client, args=(world, i, deadline, queue)) for i in range(clients)]
    for p in procs:
        p.start()
    results = []
    for _ in procs:
        try:
            results.extend(queue.get(timeout=seconds + CLIENT_GRACE_S))
        except Empty:
            codes = [p.exitcode for p in procs]
            raise SystemExit(f"a benchmark client died (exit codes {codes})") from None
    for p in procs:
        p.join()
    return results, time.perf_counter() - started


def pgbench_tps(
    script: str, variables: dict, *, clients: int, seconds: float, protocol: str = "simple"
) -> tuple[float | None, str]:
    """Transactions per second of a pgbench `script` against Django's database (the bound
    a benchmark compares itself with), or None and why not; `protocol` is pgbench's -M."""
    binary = shutil.which("pgbench") or next(
        iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pgbench"), reverse=True)), None
    )
    if binary is None:
        return None, "pgbench not found"
    from django.db import connection

    settings = connection.settings_dict
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as file:
        file.write(script)
    cmd = [
        str(binary),
        "-n",
        "-M",
        protocol,
        "-f",
        file.name,
        "-c",
        str(clients),
        "-j",
        "2",
        "-T",
        str(int(seconds)),
        "-h",
        settings["HOST"] or "127.0.0.1",
        "-p",
        str(settings["PORT"] or 5432),
        "-U",
        settings["USER"],
        *[f"-D{k}={v}" for k, v in variables.items()],
        settings["NAME"],
    ]
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    os.unlink(file.name)
    match = re.search(r"tps = ([\d.]+)", out.stdout)
    if not match:
        return None, (out.stderr or out.stdout)[-500:]
    return float(match.group(1)), ""


BENCH_PASSWORD = "Bench-pass-2026"


class BenchShop:
    """The cast every benchmark starts from: the platform and its reviewer, a producer and
    its staff, a merchant's owner and one store (open around the clock when asked), built
    through the services as a real shop would be."""

    def __init__(self, *, open_all_week: bool = False, category=("日用", "daily")):
        from omniretail.accounts import services as accounts
        from omniretail.catalog import services as catalog
        from omniretail.stores import services as stores

        self.platform = accounts.create_organization(kind="platform", name="平台", code="platform")
        self.ops = accounts.create_staff(
            username="ops", password=BENCH_PASSWORD, organization=self.platform
        )
        self.producer = accounts.create_organization(kind="producer", name="厂家", code="maker")
        self.maker = accounts.create_staff(
            username="maker", password=BENCH_PASSWORD, organization=self.producer
        )
        self.merchant = accounts.create_organization(kind="merchant", name="商家", code="shop")
        self.owner = accounts.create_staff(
            username="owner", password=BENCH_PASSWORD, organization=self.merchant, role="owner"
        )
        self.store = stores.create_store(
            actor=self.owner,
            merchant=self.merchant,
            name="门店",
            address="杭州",
            lat=30.27,
            lon=120.15,
        )
        if open_all_week:
            stores.set_opening_hours(
                actor=self.owner,
                store=self.store,
                hours=[{"weekday": d, "opens": "00:00", "closes": "00:00"} for d in range(7)],
            )
        name, slug = category
        self.category = catalog.create_category(actor=self.ops, name=name, slug=slug)

    def sku(self, *, name: str, code: str, price: str, stock: int = 0):
        """An approved one-SKU product of the producer, `stock` units received at the store."""
        from omniretail.catalog import services as catalog
        from omniretail.inventory import services as inventory

        product = catalog.create_product(
            actor=self.maker,
            owner=self.producer,
            category=self.category,
            name=name,
            skus=[{"code": code, "name": "单件", "price": price}],
        )
        catalog.submit_product(actor=self.maker, product=product)
        catalog.review_product(actor=self.ops, product=product, approve=True)
        sku = product.skus.get()
        if stock:
            inventory.receive_stock(
                actor=self.owner,
                location=inventory.location_for_store(self.store),
                sku=sku,
                quantity=stock,
            )
        return sku
