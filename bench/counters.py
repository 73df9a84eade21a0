"""1,000 smart counters against one real server process (uvicorn, ASGI, as `omniretail
serve` runs it). Each counter authenticates with its own credential and, every tick, sends a
heartbeat; every tenth also reports a door opening and closing with its bay contents (the
door-close path reconciles with the inventory ledger). Time is compressed: the ticks are
sent back to back, and the server's CPU seconds per tick (utime + stime from /proc) are
the figure that matters: below 10 s per tick, one core keeps up with 1,000 counters
reporting every 10 s. Meanwhile a fifth of the counters keep a long-poll open throughout
(its idle cost is in the CPU figure); the server then issues show-content commands and the
time from issue to receipt (first delivery; the device acknowledges) gives the p99.

    python -m bench.counters      # SQLite; with DATABASE_URL set, PostgreSQL

Environment: BENCH_COUNTERS_N (1000), BENCH_COUNTERS_TICKS (3), BENCH_COUNTERS_CLIENTS (4),
BENCH_COUNTERS_POLLERS (200), BENCH_COUNTERS_COMMANDS (200).
"""

import http.client
import json
import os
import threading
import time

from bench.common import (
    BenchShop,
    cpu_seconds,
    django_database,
    free_port,
    header,
    percentile,
    print_table,
    run_clients,
    start_server,
    stop_server,
)

N = int(os.environ.get("BENCH_COUNTERS_N", "1000"))
TICKS = int(os.environ.get("BENCH_COUNTERS_TICKS", "3"))
CLIENTS = int(os.environ.get("BENCH_COUNTERS_CLIENTS", "4"))
POLLERS = int(os.environ.get("BENCH_COUNTERS_POLLERS", "200"))
COMMANDS = int(os.environ.get("BENCH_COUNTERS_COMMANDS", "200"))


def _world() -> dict:
    """A merchant's store, one SKU, N counters with one stocked bay and a credential each."""
    from omniretail.counters import services as counters

    shop = BenchShop(category=("电动车", "ev"))
    owner, store = shop.owner, shop.store
    sku = shop.sku(name="电动自行车", code="EV-1", price="2999.00", stock=3 * N)
    tokens = []
    for i in range(N):
        counter = counters.register_counter(
            actor=owner,
            store=store,
            code=f"B{i:05d}",
            name=f"柜 {i}",
            site_name="商场",
            address="杭州",
            lat=30.27 + i * 1e-4,
            lon=120.15,
        )
        counters.add_bay(actor=owner, counter=counter, number="1", sku=sku, par_level=1, capacity=3)
        counters.restock(actor=owner, counter=counter, lines=[{"bay": "1", "quantity": 2}])
        tokens.append(counters.issue_credential(actor=owner, counter=counter)[1])
    return {"tokens": tokens}


def _post(conn, token: str, body: dict) -> int:
    conn.request(
        "POST",
        "/api/counters/device/events",
        json.dumps(body),
        {"Authorization": f"Counter {token}", "Content-Type": "application/json"},
    )
    resp = conn.getresponse()
    resp.read()
    return resp.status


def _tick_client(world, index, deadline, queue) -> None:
    """One forked client: every counter of its share sends one tick's traffic."""
    tick, port = world["tick"], world["port"]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    for i in range(index, N, CLIENTS):
        token = world["tokens"][i]
        seq = tick * 3
        bodies = [{"seq": seq + 1, "kind": "heartbeat", "data": {"door": "closed"}}]
        if i % 10 == tick % 10:
            bodies.append({"seq": seq + 2, "kind": "door_opened", "data": {"bay": "1"}})
            bodies.append(
                {
                    "seq": seq + 3,
                    "kind": "door_closed",
                    "data": {"bays": [{"bay": "1", "quantity": 2}]},
                }
            )
        for body in bodies:
            started = time.perf_counter()
            errors += _post(conn, token, body) != 200
            latencies.append(time.perf_counter() - started)
    queue.put([(latencies, errors)])


def _poller(port: int, token: str, received: dict, stop: threading.Event) -> None:
    """Long-poll like a device, acknowledging each command; ends when the server goes."""
    headers = {"Authorization": f"Counter {token}", "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=40)
    try:
        while not stop.is_set():
            conn.request("GET", "/api/counters/device/commands?wait=20", headers=headers)
            body = json.loads(conn.getresponse().read())
            now = time.time()
            for wire in body.get("commands", []):
                command_id = wire["command"]["id"]
                received.setdefault(command_id, now)  # a redelivery is not a new receipt
                ack = json.dumps({"status": "done"})
                conn.request(
                    "POST", f"/api/counters/device/commands/{command_id}/ack", ack, headers
                )
                conn.getresponse().read()
    except (OSError, http.client.HTTPException):
        return  # the server was stopped at the end of the run


def _start_pollers(world, port: int) -> tuple[dict, threading.Event]:
    """POLLERS counters keep a long-poll open all the time, as real ones do."""
    received: dict[str, float] = {}
    stop = threading.Event()
    for token in world["tokens"][:POLLERS]:
        threading.Thread(target=_poller, args=(port, token, received, stop), daemon=True).start()
    time.sleep(1)
    return received, stop


def _command_latency(received: dict, stop: threading.Event) -> list[float]:
    """Issue show-content commands to the long-polling counters; issue -> receipt times."""
    from omniretail.counters import commands
    from omniretail.counters.models import Counter

    counters = list(Counter.objects.order_by("code")[:POLLERS])
    issued = {}
    for i in range(COMMANDS):
        command = commands.send_ops_command(counter=counters[i % POLLERS], kind="show_content")
        issued[command.public_id] = time.time()
        time.sleep(0.02)
    end = time.time() + 10
    while len(received) < len(issued) and time.time() < end:
        time.sleep(0.1)
    stop.set()
    return [received[c] - t for c, t in issued.items() if c in received] + [
        float("inf") for c in issued if c not in received
    ]


def _service_cpu_ms(world) -> float:
    """CPU ms of one heartbeat inside this process, through the service alone (credential
    check + sequenced event), without HTTP or the ASGI server: the application's share."""
    from omniretail.counters import device

    tokens = [f"Counter {t}" for t in world["tokens"][:200]]
    started = time.process_time()
    for authorization in tokens:
        counter = device.authenticate(authorization)
        device.record_event(counter=counter, seq=TICKS * 3 + 1, kind="heartbeat", data={})
    return (time.process_time() - started) / len(tokens) * 1000


def main() -> None:
    header(f"counters: {N} counters, {TICKS} compressed 10 s ticks, {POLLERS} long-polling")
    with django_database("counters") as label:
        started = time.perf_counter()
        world = _world()
        print(f"built {N} counters in {time.perf_counter() - started:.1f}s")
        from django.db import connections

        connections.close_all()
        port = free_port()
        server = start_server(port)
        try:
            world["port"] = port
            received, stop = _start_pollers(world, port)
            rows = []
            for tick in range(TICKS):
                world["tick"] = tick
                cpu_before = cpu_seconds(server.pid)
                results, elapsed = run_clients(_tick_client, world, clients=CLIENTS, seconds=0)
                cpu = cpu_seconds(server.pid) - cpu_before
                latencies = [x for lat, _e in results for x in lat]
                errors = sum(e for _l, e in results)
                rows.append(
                    [
                        label,
                        tick + 1,
                        len(latencies),
                        errors,
                        elapsed,
                        cpu,
                        percentile(latencies, 99) * 1000,
                    ]
                )
            print_table(
                ["db", "tick", "requests", "errors", "wall s", "server CPU s", "p99 ms"], rows
            )
            cpu_per_tick = sum(r[5] for r in rows) / len(rows)
            print(
                f"server CPU per {N} counters per 10 s tick: {cpu_per_tick:.2f} s "
                f"({cpu_per_tick / 10 * 100:.0f}% of one core, "
                f"{cpu_per_tick / len(latencies) * 1000:.1f} ms per request)"
            )
            print(
                f"of which the application (service call, no HTTP): "
                f"{_service_cpu_ms(world):.2f} ms CPU per heartbeat"
            )
            delivery = _command_latency(received, stop)
            print_table(
                ["db", "commands", "delivered", "p50 ms", "p99 ms"],
                [
                    [
                        label,
                        len(delivery),
                        sum(1 for d in delivery if d != float("inf")),
                        percentile(delivery, 50) * 1000,
                        percentile(delivery, 99) * 1000,
                    ]
                ],
            )
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
