"""Camera snapshots over real HTTP: counters upload a ~100 KB 1280 × 720 JPEG for an event
(`POST /api/counters/device/events/{seq}/snapshot`, multipart, signed) to one server
process (uvicorn, as `omniretail serve` runs it), stored through `STORAGES` (local disk in
the scratch directory). Each snapshot is the pair a camera sends: its `presence` event, then
the image, which goes through core.uploads (decoded, re-encoded, EXIF gone).

The bound, measured in the same run against the same server and credentials, is the
protocol's cheapest signed call: a `heartbeat` event. The ratio says what the image path
costs on top of a device call; the server's CPU per snapshot (utime + stime from /proc) and
the p99 upload latency say how many counters one core serves. Issue 19's load, 1,000
counters sending one snapshot a minute, is 16.7 snapshots/s.

    python -m bench.snapshots      # SQLite; with DATABASE_URL set, PostgreSQL

Environment: BENCH_SNAPSHOTS_COUNTERS (100), BENCH_SNAPSHOTS_CLIENTS (4),
BENCH_SNAPSHOTS_SECONDS (15 per run; 3 interleaved runs of each call after a warm-up).
"""

import http.client
import io
import json
import os
import statistics
import time

from bench.common import (
    BenchShop,
    close_connections,
    django_database,
    header,
    percentile,
    print_table,
    run_clients,
)
from bench.common import cpu_seconds as _cpu_seconds
from bench.common import free_port as _free_port
from bench.common import start_server as _start_server

COUNTERS = int(os.environ.get("BENCH_SNAPSHOTS_COUNTERS", "100"))
CLIENTS = int(os.environ.get("BENCH_SNAPSHOTS_CLIENTS", "4"))
SECONDS = float(os.environ.get("BENCH_SNAPSHOTS_SECONDS", "15"))
RUNS, WARMUP_S = 3, 3.0
TARGET_PER_S = 1000 / 60  # 1,000 counters, one snapshot a minute each
BOUNDARY = "omni-bench-snapshot"


def _camera_frames(n: int = 8) -> list[bytes]:
    """1280 × 720 JPEGs of about 100 KB, with a camera's EXIF, each a little different."""
    from PIL import Image

    frames = []
    for i in range(n):
        noise = Image.effect_noise((1280, 720), 30 + i).convert("RGB")
        gradient = Image.linear_gradient("L").resize((1280, 720)).convert("RGB")
        exif = Image.Exif()
        exif[0x010F] = "Omni Camera"
        out = io.BytesIO()
        Image.blend(noise, gradient, 0.7).save(out, "JPEG", quality=60, exif=exif)
        frames.append(out.getvalue())
    return frames


def _world() -> dict:
    from omniretail.counters import services as counters

    shop = BenchShop(category=("电动车", "ev"))
    tokens = []
    for i in range(COUNTERS):
        counter = counters.register_counter(
            actor=shop.owner,
            store=shop.store,
            code=f"S{i:04d}",
            name=f"柜 {i}",
            site_name="商场",
            address="杭州",
            lat=30.27 + i * 1e-4,
            lon=120.15,
        )
        tokens.append(counters.issue_credential(actor=shop.owner, counter=counter)[1])
    return {"tokens": tokens, "frames": _camera_frames()}


def _multipart(image: bytes) -> bytes:
    return b"".join(
        [
            f"--{BOUNDARY}\r\n".encode(),
            b'Content-Disposition: form-data; name="image"; filename="cam.jpg"\r\n',
            b"Content-Type: image/jpeg\r\n\r\n",
            image,
            f"\r\n--{BOUNDARY}--\r\n".encode(),
        ]
    )


def _call(conn, method: str, path: str, body: bytes, headers: dict) -> tuple[int, float]:
    started = time.perf_counter()
    conn.request(method, path, body, headers)
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - started


def _client(world, index, deadline, queue) -> None:
    """One forked client: its share of the counters in turn, one request at a time. Phase
    `heartbeat` sends the bound's call; phase `snapshot` a presence event and its image."""
    conn = http.client.HTTPConnection("127.0.0.1", world["port"], timeout=60)
    mine = list(range(index, len(world["tokens"]), CLIENTS))
    seq = dict.fromkeys(mine, world["first_seq"])
    latencies, errors, done, turn = [], 0, 0, 0
    while time.time() < deadline:
        counter = mine[turn % len(mine)]
        turn += 1
        seq[counter] += 1
        auth = {"Authorization": f"Counter {world['tokens'][counter]}"}
        kind = "heartbeat" if world["phase"] == "heartbeat" else "presence"
        event = json.dumps({"seq": seq[counter], "kind": kind, "data": {"people": 1}}).encode()
        status, took = _call(
            conn,
            "POST",
            "/api/counters/device/events",
            event,
            {**auth, "Content-Type": "application/json"},
        )
        if world["phase"] == "snapshot" and status == 200:
            frame = world["frames"][turn % len(world["frames"])]
            status, took = _call(
                conn,
                "POST",
                f"/api/counters/device/events/{seq[counter]}/snapshot",
                _multipart(frame),
                {**auth, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"},
            )
            ok = status == 201
        else:
            ok = status == 200
        errors += not ok
        done += ok
        latencies.append(took)
    queue.put([(done, errors, latencies)])


def _phase(world, server, phase: str, first_seq: int, seconds: float = SECONDS) -> dict:
    cpu = _cpu_seconds(server.pid)
    results, elapsed = run_clients(
        _client, {**world, "phase": phase, "first_seq": first_seq}, clients=CLIENTS, seconds=seconds
    )
    cpu = _cpu_seconds(server.pid) - cpu
    done = sum(r[0] for r in results)
    latencies = [x for r in results for x in r[2]]
    return {
        "done": done,
        "errors": sum(r[1] for r in results),
        "per_s": done / elapsed,
        "p99_ms": percentile(latencies, 99) * 1000,
        "cpu_ms": cpu / max(done, 1) * 1000,
    }


def _median(figures: list[dict]) -> dict:
    return {key: statistics.median(f[key] for f in figures) for key in figures[0]}


def main() -> None:
    with django_database("snapshots") as label:
        from django.conf import settings
        from django.core.files.storage import default_storage

        from omniretail.counters import snapshots
        from omniretail.counters.models import Snapshot

        world = _world()
        world["port"] = port = _free_port()
        close_connections()
        server = _start_server(port)
        try:
            _phase(world, server, "snapshot", 1, seconds=WARMUP_S)  # imports, caches, pages
            runs = {"heartbeat": [], "snapshot": []}
            for round_ in range(RUNS):  # interleaved: other work on the machine hits both
                for phase, figures in runs.items():
                    first_seq = (round_ + 1) * 10**9 + (phase == "snapshot") * 5 * 10**8
                    figures.append(_phase(world, server, phase, first_seq))
        finally:
            server.terminate()
            server.wait(timeout=30)
        bound, shots = (_median(runs[phase]) for phase in ("heartbeat", "snapshot"))
        stored = Snapshot.objects.count()
        sample = Snapshot.objects.first()
        exif_gone = True
        if sample is not None:
            from PIL import Image

            with default_storage.open(sample.image) as f:
                exif_gone = not Image.open(f).getexif()
        size_kb = sum(map(len, world["frames"])) / len(world["frames"]) / 1024
        header(
            f"counter camera snapshots over HTTP ({label}), one uvicorn process, "
            f"{COUNTERS} counters, {CLIENTS} clients, median of {RUNS} runs of {SECONDS:.0f} s"
        )
        print_table(
            ["call", "done", "errors", "per s", "p99 ms", "server CPU ms each", "ratio to bound"],
            [
                ["bound: heartbeat event", bound["done"], bound["errors"], bound["per_s"],
                 bound["p99_ms"], bound["cpu_ms"], "1.00"],
                [f"snapshot: event + {size_kb:.0f} KB JPEG", shots["done"], shots["errors"],
                 shots["per_s"], shots["p99_ms"], shots["cpu_ms"],
                 f"{shots['per_s'] / bound['per_s']:.2f}"],
            ],
        )  # fmt: skip
        print(f"load average after the runs: {os.getloadavg()[0]:.2f} (other work on the machine)")
        cores_needed = TARGET_PER_S * shots["cpu_ms"] / 1000
        print(
            f"stored {stored} snapshots under {snapshots.FOLDER}/ "
            f"({settings.STORAGES['default']['BACKEND']}), "
            f"EXIF stripped: {'yes' if exif_gone else 'NO'}; 1,000 counters at one a minute "
            f"({TARGET_PER_S:.1f}/s) need {cores_needed:.2f} of a core of server CPU "
            f"({'kept up' if shots['per_s'] >= TARGET_PER_S else 'NOT kept up'} on this machine)"
        )


if __name__ == "__main__":
    main()
