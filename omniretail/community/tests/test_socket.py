"""The chat socket through the real ASGI application (session cookie, origin check): a
message reaches the other member's socket after it is written; refusals come back as an
error frame and write nothing."""

import asyncio
import json
from datetime import timedelta

import pytest
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from omniretail.asgi import application
from omniretail.community import moderation, services
from omniretail.community.models import Message

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    return (
        b"cookie",
        f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode(),
    )


class Socket(ApplicationCommunicator):
    """A WebSocket client speaking ASGI to the application (channels' own communicator
    would need daphne)."""

    def __init__(self, path: str, headers):
        path, _sep, query = path.partition("?")
        scope = {
            "type": "websocket",
            "path": path,
            "query_string": query.encode(),
            "headers": headers,
            "subprotocols": [],
            "client": ("127.0.0.1", 5000),
            "server": ("127.0.0.1", 8000),
        }
        super().__init__(application, scope)

    async def connect(self):
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(15)
        return answer["type"] == "websocket.accept", answer.get("code")

    async def send_json_to(self, data):
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout=15):
        answer = await self.receive_output(timeout)
        assert answer["type"] == "websocket.send", answer
        return json.loads(answer["text"])

    async def disconnect(self):
        await self.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.wait(1)


def headers(user=None, origin=ORIGIN) -> list:
    """Built before the event loop runs: signing in touches the database."""
    return [origin, (b"host", b"127.0.0.1:8000")] + ([cookie(user)] if user else [])


def socket(group, sent_headers, query="") -> Socket:
    return Socket(f"/ws/community/{group.public_id}/{query}", sent_headers)


@pytest.fixture
def room(platform_admin, people):
    creator, member, stranger = people(3)
    group = services.create_group(creator=creator, name="读书群", scope="platform")
    services.join(user=member, group=group)
    return group, creator, member, stranger


def run(coro):
    return asyncio.run(coro)


def test_a_message_sent_on_one_socket_reaches_the_other_after_it_is_written(room):
    group, creator, member, _stranger = room

    ha, hb = headers(creator), headers(member)

    async def scenario():
        a, b = socket(group, ha), socket(group, hb)
        assert (await a.connect())[0] and (await b.connect())[0]
        assert (await a.receive_json_from())["type"] == "ready"
        assert (await b.receive_json_from())["type"] == "ready"
        await a.send_json_to(
            {"action": "send", "text": "今晚读《红楼梦》第三回", "client_id": "c1"}
        )
        seen = await b.receive_json_from()
        assert seen["type"] == "message"
        assert seen["message"]["text"] == "今晚读《红楼梦》第三回"
        assert await database_has(seen["message"]["id"])
        frames = [await a.receive_json_from() for _ in range(2)]
        assert {f["type"] for f in frames} == {"message", "sent"}
        await a.disconnect()
        await b.disconnect()

    async def database_has(public_id):
        from channels.db import database_sync_to_async

        return await database_sync_to_async(Message.objects.filter(public_id=public_id).exists)()

    run(scenario())


def test_refusals_come_back_as_error_frames_and_write_nothing(room):
    group, creator, member, _stranger = room
    moderation.mute(
        actor=creator,
        group=group,
        user_public_id=member.public_id,
        until=timezone.now() + timedelta(hours=1),
    )

    ha, hb = headers(creator), headers(member)

    async def scenario():
        a, b = socket(group, ha), socket(group, hb)
        await a.connect()
        await b.connect()
        await a.receive_json_from()
        await b.receive_json_from()
        await a.send_json_to({"action": "send", "text": "书" * 2001, "client_id": "long"})
        error = await a.receive_json_from()
        assert error["type"] == "error" and error["status"] == 422 and error["client_id"] == "long"
        assert "2000" in error["fields"]["text"][0]
        await b.send_json_to({"action": "send", "text": "我被禁言了吗"})
        error = await b.receive_json_from()
        assert error["status"] == 403 and "禁言" in error["message"]
        await a.disconnect()
        await b.disconnect()

    run(scenario())
    assert not Message.objects.exists()


def test_strangers_anonymous_and_other_origins_are_turned_away(room):
    group, _creator, _member, stranger = room

    hs = headers(stranger)
    hf = headers(stranger, origin=(b"origin", b"https://evil.example"))

    async def scenario():
        outsider = socket(group, hs)
        assert (await outsider.connect())[0]
        frame = await outsider.receive_json_from()
        assert frame["status"] == 403 and frame["message"] == "您不在该群中，不能发言。"
        assert (await outsider.receive_output(5))["code"] == 4403

        anonymous = socket(group, headers())
        await anonymous.connect()
        assert (await anonymous.receive_json_from())["status"] == 401

        foreign = socket(group, hf)
        connected, _code = await foreign.connect()
        assert not connected

    run(scenario())


def test_a_reconnecting_socket_gets_what_it_missed(room):
    group, creator, member, _stranger = room
    from omniretail.community import chat

    first = chat.post_message(author=creator, group=group, text="第一条")
    chat.post_message(author=creator, group=group, text="第二条")

    hb = headers(member)

    async def scenario():
        b = socket(group, hb, query=f"?after={first.public_id}")
        await b.connect()
        assert (await b.receive_json_from())["type"] == "ready"
        missed = await b.receive_json_from()
        assert missed["message"]["text"] == "第二条"
        assert await b.receive_nothing(0.3)
        await b.disconnect()

    run(scenario())
