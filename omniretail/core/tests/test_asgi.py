"""The HTTP side of omniretail.asgi.application, as uvicorn calls it."""

import asyncio
import threading
from unittest import mock

from asgiref.sync import SyncToAsync

from omniretail.asgi import application


async def asgi_request(path: str, headers=()) -> dict:
    """One GET straight through the ASGI application, as uvicorn sends it: status, headers,
    body and the number of body messages it came in."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path.split("?")[0],
        "raw_path": path.split("?")[0].encode(),
        "query_string": path.partition("?")[2].encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }
    messages = [{"type": "http.request", "body": b"", "more_body": False}]
    out = {"body": b"", "parts": 0}

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.Event().wait()  # the client stays connected

    async def send(message):
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode().lower(): v.decode() for k, v in message["headers"]}
        else:
            out["body"] += message.get("body", b"")
            out["parts"] += 1

    await application(scope, receive, send)
    return out


def _call(path: str, headers=()) -> dict:
    return asyncio.run(asgi_request(path, headers))


def test_a_request_runs_its_middleware_and_view_in_one_thread_hop():
    """Every hop between the event loop and a thread costs server CPU (bench/http.py's
    notes): the middleware chain and the view run in one hop, not one per middleware."""
    hops = []
    original = SyncToAsync.__call__

    def counting(self, *args, **kwargs):
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return original(self, *args, **kwargs)

    with mock.patch.object(SyncToAsync, "__call__", counting):
        response = _call("/csrf/")
    assert response["status"] == 204
    # was 9: the view and CSRF's hooks one by one, then 3: the request_started receivers,
    # the chain, and the response's close() (request_finished) each hopped on their own
    assert len(hops) == 1, hops


def test_requests_reuse_their_threads():
    """Django's handler started a new thread for every request (its ThreadSensitiveContext):
    requests one after another run on threads kept from the first ones (a pool may still
    start one when a request comes before the last one's thread said it was free)."""
    for _ in range(5):
        _call("/csrf/")
    started = []
    original = threading.Thread.start

    def counting(self):
        started.append(self.name)
        return original(self)

    with mock.patch.object(threading.Thread, "start", counting):
        for _ in range(10):
            assert _call("/csrf/")["status"] == 204
    assert len(started) <= 1, started  # was 10 and more


def test_the_whole_chain_still_answers_in_order_under_asgi():
    """The outer middleware's headers reach the client and a NUL is still refused before any
    view, as a page and as the API's error envelope."""
    response = _call("/csrf/", headers=[(b"x-request-id", b"req-22")])
    assert response["headers"]["x-request-id"] == "req-22"  # ObservabilityMiddleware, first
    assert "content-security-policy" in response["headers"]
    assert response["headers"]["x-frame-options"] == "DENY"
    assert "csrftoken=" in response["headers"]["set-cookie"]

    refused = _call("/search/?q=%E9%9D%A2%00%E8%86%9C")
    assert refused["status"] == 400
    assert "空字符" in refused["body"].decode()

    api = _call("/api/catalog/products?q=%00")
    assert api["status"] == 400
    assert b'"invalid_characters"' in api["body"]
