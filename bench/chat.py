"""Group chat: N WebSocket clients in ROOMS groups against one server process (uvicorn, as
`omniretail serve` runs it), each signed in by its own session cookie.

First the bound, measured in the same run over the same socket stack (uvicorn, Channels'
session and origin middleware, the consumer): every client sends `echo` frames back to
back, which the consumer returns without touching the database or the channel layer.
Then the chat: one member of each room sends messages back to back (the next after the
server's acknowledgement, so the write path sets the pace), every message is written to
the database, then fanned out through the channel layer to every member's socket. The
figures: messages written per second, deliveries per second (a message delivered to each
member counts once per member), p50/p99 delivery latency (from the sender's send to a
member's receipt, the author's own copy included), and deliveries per second as a share
of echo frames per second (the bound).

    python -m bench.chat          # SQLite; with DATABASE_URL set, PostgreSQL

Environment: BENCH_CHAT_N (1000 clients), BENCH_CHAT_ROOMS (50), BENCH_CHAT_SECONDS (10),
BENCH_CHAT_CLIENTS (2 client processes), BENCH_CHAT_START_S (120: time the server may take to
start), BENCH_CHAT_CONNECT_S (time allowed for the
sockets to connect before each phase, default 30 + N/10; the window starts when every client
process has connected all of its sockets)."""

import asyncio
import json
import multiprocessing
import os
import sys
import time

from bench.common import (
    REPO,
    close_connections,
    django_database,
    header,
    percentile,
    print_table,
    run_clients,
)
from bench.counters import _cpu_seconds, _free_port

START_S = float(os.environ.get("BENCH_CHAT_START_S", "120"))


def _serve(port: int):
    """uvicorn as counters' benchmark starts it, given up to START_S to answer: on a loaded
    machine the process takes longer than the 10 s that one waits (and is stopped if it
    never answers, not left behind)."""
    import socket
    import subprocess

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "omniretail.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "2",
        ],
        cwd=REPO,
        env=os.environ.copy(),
    )
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    proc.wait(10)
    raise RuntimeError("server did not start")


N = int(os.environ.get("BENCH_CHAT_N", "1000"))
ROOMS = int(os.environ.get("BENCH_CHAT_ROOMS", "50"))
SECONDS = float(os.environ.get("BENCH_CHAT_SECONDS", "10"))
CLIENTS = int(os.environ.get("BENCH_CHAT_CLIENTS", "2"))
CONNECT_S = float(os.environ.get("BENCH_CHAT_CONNECT_S", str(30 + N / 10)))


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

    url = f"ws://127.0.0.1:{world['port']}/ws/community/{world['rooms'][i % ROOMS]}/"
    sock = await websockets.connect(
        url,
        origin=f"http://127.0.0.1:{world['port']}",
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
    out = {"count": 0, "latency": [], "sent": 0, "errors": 0, "connect": connected}

    async def echo(sock):
        while time.time() < deadline:
            t = time.time()
            await sock.send(json.dumps({"action": "echo", "t": t}))
            while json.loads(await sock.recv()).get("type") != "echo":
                pass
            now = time.time()
            if now <= deadline:
                out["count"] += 1
                out["latency"].append(now - t)

    async def reader(sock, acked):
        try:
            async for raw in sock:
                frame = json.loads(raw)
                kind = frame["type"]
                now = time.time()
                if kind == "message":
                    sent_at = float(frame["message"]["text"])
                    if start <= sent_at and now <= deadline:
                        out["count"] += 1
                        out["latency"].append(now - sent_at)
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
        await asyncio.gather(*[echo(s) for s in socks])
    else:
        events = [asyncio.Event() for _ in socks]
        readers = [asyncio.create_task(reader(s, e)) for s, e in zip(socks, events, strict=True)]
        senders = [sender(s, e) for i, s, e in zip(mine, socks, events, strict=True) if i < ROOMS]
        await asyncio.gather(*senders)
        await asyncio.sleep(max(0.0, deadline - time.time()) + 1.0)  # the last deliveries
        for task in readers:
            task.cancel()
    await asyncio.gather(*[s.close() for s in socks], return_exceptions=True)
    return out


def _client(world, index, deadline, queue) -> None:
    queue.put([asyncio.run(_phase(world, index, deadline, world["phase"]))])


def main() -> None:
    with django_database("chat") as label:
        os.environ["OMNI_COMMUNITY_POST_RATE"] = "1000000/60"  # the benchmark measures the path
        started = time.perf_counter()
        world = _world()
        print(f"{N} members in {ROOMS} rooms, signed in, in {time.perf_counter() - started:.1f}s")
        world["port"] = port = _free_port()
        close_connections()
        server = _serve(port)
        rows = []
        try:
            for phase in ("echo", "chat"):
                world["phase"] = phase
                world["barrier"] = multiprocessing.get_context("fork").Barrier(CLIENTS)
                cpu0 = _cpu_seconds(server.pid)
                results, _elapsed = run_clients(
                    _client, world, clients=CLIENTS, seconds=CONNECT_S + SECONDS
                )
                cpu = _cpu_seconds(server.pid) - cpu0
                count = sum(r["count"] for r in results)
                latency = [x for r in results for x in r["latency"]]
                connect = max(r["connect"] for r in results)
                rows.append(
                    (
                        phase,
                        sum(r["sent"] for r in results) if phase == "chat" else count,
                        count / SECONDS,
                        percentile(latency, 50) * 1000,
                        percentile(latency, 99) * 1000,
                        sum(r["errors"] for r in results),
                        cpu,
                        connect,
                    )
                )
        finally:
            server.terminate()
            server.wait(10)
        header(f"chat: {N} WebSocket clients in {ROOMS} rooms, one uvicorn process, {label}")
        print_table(
            [
                "phase",
                "frames sent",
                "delivered/s",
                "p50 ms",
                "p99 ms",
                "errors",
                "server cpu s",
                "connect s",
            ],
            rows,
        )
        echo, chat = rows[0][2], rows[1][2]
        written = rows[1][1] / SECONDS
        print(
            f"messages written: {written:.1f}/s, each to ~{N / ROOMS:.0f} members; deliveries "
            f"{chat:.0f}/s = {chat / echo:.2f} x the echo bound ({echo:.0f} frames/s, same sockets)"
        )


if __name__ == "__main__":
    main()
