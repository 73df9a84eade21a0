"""Group chat: N WebSocket clients in ROOMS groups against `omniretail serve` (uvicorn), each
signed in by its own session cookie; on one process, or on two sharing Redis.

First the bound, measured in the same run over the same socket stack (uvicorn, Channels'
session and origin middleware, the consumer): every client sends `echo` frames back to
back, which the consumer returns without touching the database or the channel layer.
Then the chat: one member of each room sends messages back to back (the next after the
server's acknowledgement, so the write path sets the pace), every message is written to
the database, then fanned out through the channel layer to every member's socket. The
figures: messages written per second, deliveries per second (a message delivered to each
member counts once per member), p50/p95/p99 delivery latency (from the sender's send to a
member's receipt, the author's own copy included), and deliveries per second as a share
of echo frames per second (the bound).

With BENCH_CHAT_PROCESSES=2 (REDIS_URL required) two `serve` processes share Redis as the
channel layer: every room has half its members' sockets on each process, and every sender
is on the first, so the deliveries to the second's sockets cross processes through Redis.
Those are reported on their own (deliveries/s, p50/p95) against the bound of the same
sockets (echo frames/s on the second process).

    python -m bench.chat          # SQLite; with DATABASE_URL set, PostgreSQL
    BENCH_CHAT_PROCESSES=2 REDIS_URL=redis://127.0.0.1:6379/0 python -m bench.chat

Environment: BENCH_CHAT_N (1000 clients), BENCH_CHAT_ROOMS (50), BENCH_CHAT_SECONDS (10),
BENCH_CHAT_CLIENTS (2 client processes), BENCH_CHAT_PROCESSES (1 server process, or 2),
BENCH_START_S (120: time a server may take to start), BENCH_CHAT_CONNECT_S (time allowed
for the sockets to connect before each phase, default 30 + N/10; the window starts when
every client process has connected all of its sockets)."""

import asyncio
import json
import multiprocessing
import os
import time

from bench.common import (
    close_connections,
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

N = int(os.environ.get("BENCH_CHAT_N", "1000"))
ROOMS = int(os.environ.get("BENCH_CHAT_ROOMS", "50"))
SECONDS = float(os.environ.get("BENCH_CHAT_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CHAT_CLIENTS", "2"))
CONNECT_S = float(os.environ.get("BENCH_CHAT_CONNECT_S", str(30 + N / 10)))
PROCESSES = int(os.environ.get("BENCH_CHAT_PROCESSES", "1"))


def _server_of(i: int) -> int:
    """Which server member i's socket is on: by round of rooms (i // ROOMS), so each room
    has members on every server; room r's sender (member r) is on the first."""
    return (i // ROOMS) % PROCESSES


def _world() -> dict:
    """N shoppers, each signed in (a session row), member i in room i % ROOMS."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from omniretail.accounts import services as accounts
    from omniretail.accounts.models import User
    from omniretail.community import services

    accounts.create_organization(kind="platform", name="平台管理中心", code="platform")

    User.objects.bulk_create(
        [
            User(username=f"m139{i:08d}", phone=f"139{i:08d}", display_name=f"会员{i}")
            for i in range(N)
        ]
    )
    users = list(User.objects.order_by("id"))
    per_room = -(-N // ROOMS)
    groups = []
    for r in range(min(ROOMS, N)):
        groups.append(
            services.create_group(
                creator=users[r],
                name=f"群{r}",
                scope="community",
                community_name="基准小区",
                member_limit=max(2, per_room),
            )
        )
    for i in range(ROOMS, N):
        services.join(user=users[i], group=groups[i % ROOMS])
    cookies = []
    for user in users:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return {"cookies": cookies, "rooms": [g.public_id for g in groups]}


async def _connect(world, i):
    import websockets

    port = world["ports"][_server_of(i)]
    url = f"ws://127.0.0.1:{port}/ws/community/{world['rooms'][i % ROOMS]}/"
    sock = await websockets.connect(
        url,
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": world["cookies"][i]},
        max_queue=None,
        open_timeout=60,
    )
    ready = json.loads(await sock.recv())
    assert ready["type"] == "ready", ready
    return sock


async def _phase(world, index, budget_deadline, phase):
    mine = list(range(index, N, CLIENTS))
    began = time.time()
    socks = await asyncio.gather(*[_connect(world, i) for i in mine])
    connected = time.time() - began
    # Every client process waits here until all have connected: the window starts together.
    await asyncio.get_running_loop().run_in_executor(None, world["barrier"].wait)
    start = time.time()
    deadline = start + SECONDS
    out = {
        "count": [0] * PROCESSES,  # per server of the receiving socket
        "latency": [[] for _ in range(PROCESSES)],
        "sent": 0,
        "errors": 0,
        "connect": connected,
    }

    async def echo(sock, server):
        while time.time() < deadline:
            t = time.time()
            await sock.send(json.dumps({"action": "echo", "t": t}))
            while json.loads(await sock.recv()).get("type") != "echo":
                pass
            now = time.time()
            if now <= deadline:
                out["count"][server] += 1
                out["latency"][server].append(now - t)

    async def reader(sock, acked, server):
        try:
            async for raw in sock:
                frame = json.loads(raw)
                kind = frame["type"]
                now = time.time()
                if kind == "message":
                    sent_at = float(frame["message"]["text"])
                    if start <= sent_at and now <= deadline:
                        out["count"][server] += 1
                        out["latency"][server].append(now - sent_at)
                elif kind in ("sent", "error"):
                    out["errors"] += kind == "error"
                    acked.set()
        except Exception:  # closed at the end
            return

    async def sender(sock, acked):
        while time.time() < deadline:
            acked.clear()
            await sock.send(json.dumps({"action": "send", "text": f"{time.time():.6f}"}))
            await acked.wait()
            out["sent"] += 1

    if phase == "echo":
        await asyncio.gather(*[echo(s, _server_of(i)) for i, s in zip(mine, socks, strict=True)])
    else:
        events = [asyncio.Event() for _ in socks]
        readers = [
            asyncio.create_task(reader(s, e, _server_of(i)))
            for i, s, e in zip(mine, socks, events, strict=True)
        ]
        senders = [sender(s, e) for i, s, e in zip(mine, socks, events, strict=True) if i < ROOMS]
        await asyncio.gather(*senders)
        await asyncio.sleep(max(0.0, deadline - time.time()) + 1.0)  # the last deliveries
        for task in readers:
            task.cancel()
    await asyncio.gather(*[s.close() for s in socks], return_exceptions=True)
    return out


def _client(world, index, deadline, queue) -> None:
    queue.put([asyncio.run(_phase(world, index, deadline, world["phase"]))])


def _figures(results: list, servers: list[int]) -> tuple[int, float, float, float, float]:
    """Count, per second, p50/p95/p99 ms of what the sockets on `servers` received."""
    count = sum(r["count"][s] for r in results for s in servers)
    latency = [x for r in results for s in servers for x in r["latency"][s]]
    return (
        count,
        count / SECONDS,
        percentile(latency, 50) * 1000,
        percentile(latency, 95) * 1000,
        percentile(latency, 99) * 1000,
    )


def main() -> None:
    if PROCESSES not in (1, 2):
        raise SystemExit("BENCH_CHAT_PROCESSES is 1 or 2")
    if PROCESSES == 2 and not os.environ.get("REDIS_URL"):
        raise SystemExit("two server processes share rooms only through Redis: set REDIS_URL")
    with django_database("chat") as label:
        os.environ["OMNI_COMMUNITY_POST_RATE"] = "1000000/60"  # the benchmark measures the path
        started = time.perf_counter()
        world = _world()
        print(f"{N} members in {ROOMS} rooms, signed in, in {time.perf_counter() - started:.1f}s")
        world["ports"] = [free_port() for _ in range(PROCESSES)]
        close_connections()
        servers = []
        rows, figures = [], {}
        try:
            for port in world["ports"]:
                servers.append(start_server(port))
            for phase in ("echo", "chat"):
                world["phase"] = phase
                world["barrier"] = multiprocessing.get_context("fork").Barrier(CLIENTS)
                cpu0 = sum(cpu_seconds(s.pid) for s in servers)
                results, _elapsed = run_clients(
                    _client, world, clients=CLIENTS, seconds=CONNECT_S + SECONDS
                )
                cpu = sum(cpu_seconds(s.pid) for s in servers) - cpu0
                sent = sum(r["sent"] for r in results)
                errors = sum(r["errors"] for r in results)
                connect = max(r["connect"] for r in results)
                scopes = [("all sockets", list(range(PROCESSES)))]
                if PROCESSES == 2:
                    scopes += [("on A (senders')", [0]), ("on B (cross-process)", [1])]
                for scope, on in scopes:
                    count, per_s, p50, p95, p99 = _figures(results, on)
                    figures[phase, scope] = per_s
                    frames = sent if phase == "chat" and len(on) == PROCESSES else count
                    rows.append((phase, scope, frames, per_s, p50, p95, p99, errors, cpu, connect))
        finally:
            for server in servers:
                stop_server(server)
        where = "one process" if PROCESSES == 1 else "two processes sharing Redis"
        header(f"chat: {N} WebSocket clients in {ROOMS} rooms, `serve` on {where}, {label}")
        print_table(
            [
                "phase",
                "sockets",
                "frames",
                "delivered/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "errors",
                "server cpu s",
                "connect s",
            ],
            rows,
        )
        echo, chat = figures["echo", "all sockets"], figures["chat", "all sockets"]
        written = next(r[2] for r in rows if r[0] == "chat") / SECONDS
        print(
            f"messages written: {written:.1f}/s, each to ~{N / ROOMS:.0f} members; deliveries "
            f"{chat:.0f}/s = {chat / echo:.2f} x the echo bound ({echo:.0f} frames/s, same sockets)"
        )
        if PROCESSES == 2:
            cross, bound = (
                figures["chat", "on B (cross-process)"],
                figures["echo", "on B (cross-process)"],
            )
            print(
                f"cross-process (through Redis): {cross:.0f} deliveries/s = {cross / bound:.2f} x "
                f"the echo bound of the same sockets ({bound:.0f} frames/s)"
            )


if __name__ == "__main__":
    main()
