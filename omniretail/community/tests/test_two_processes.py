"""Two web processes sharing Redis (issue 18's proof): `omniretail serve` twice on
different ports, both with the test run's REDIS_URL, so the channel layer is
channels-redis. A member's socket on process B receives, within seconds, a message another
member sent over a socket on process A, which only a shared layer can carry."""

import asyncio
import json
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.test import override_settings

from omniretail.community import services
from omniretail.community.models import Message
from omniretail.testing.server import SECRET_KEY, Server

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _cookie(user) -> str:
    """A signed-in session as the servers read it (they sign with their own SECRET_KEY)."""
    with override_settings(SECRET_KEY=SECRET_KEY):
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


async def _socket(server: Server, group, cookie: str):
    import websockets

    sock = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/community/{group.public_id}/",
        origin=server.url,
        additional_headers={"Cookie": cookie},
        open_timeout=30,
    )
    ready = json.loads(await asyncio.wait_for(sock.recv(), 30))
    assert ready["type"] == "ready", ready
    return sock


def test_a_message_sent_through_process_a_arrives_on_a_socket_of_process_b(
    platform_admin, people, tmp_path
):
    creator, reader = people(2)
    group = services.create_group(creator=creator, name="跨进程茶友群", scope="platform")
    services.join(user=reader, group=group)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    env = {"REDIS_URL": settings.REDIS_URL, "OMNI_REDIS_PREFIX": settings.OMNI_REDIS_PREFIX}
    a, b = Server(tmp_path / "a", **env), Server(tmp_path / "b", **env)
    a.start()
    b.start()

    cookies = _cookie(creator), _cookie(reader)

    async def scenario():
        on_b = await _socket(b, group, cookies[1])
        on_a = await _socket(a, group, cookies[0])
        await on_a.send(json.dumps({"action": "send", "text": "A 进程发出的龙井到店通知"}))
        while True:
            frame = json.loads(await asyncio.wait_for(on_b.recv(), 10))
            if frame["type"] == "message":
                break
        await on_a.close()
        await on_b.close()
        return frame["message"]

    try:
        seen = asyncio.run(scenario())
    finally:
        a.stop()
        b.stop()

    assert a.port != b.port
    assert seen["text"] == "A 进程发出的龙井到店通知"
    assert Message.objects.get(public_id=seen["id"]).author == creator
