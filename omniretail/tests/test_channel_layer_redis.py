"""The chat rooms' channel layer on Redis (settings.CHANNEL_LAYERS with REDIS_URL) keeps a
quiet socket listening. channels-redis waits for a message with a blocking pop of 5 s
and asks again; redis-py's default read timeout is also 5 s, so without a longer one
every socket that heard nothing for 5 s lost its consumer to a TimeoutError and was
dropped (seen under bench/chat.py's two-process mode)."""

import asyncio

import pytest
from channels.layers import get_channel_layer

pytestmark = pytest.mark.redis


def test_a_message_after_six_quiet_seconds_still_arrives():
    layer = get_channel_layer()

    async def scenario():
        channel = await layer.new_channel()

        async def later():
            await asyncio.sleep(6)
            await layer.send(channel, {"type": "chat.message", "text": "六秒后才到的消息"})

        sender = asyncio.create_task(later())
        try:
            return await asyncio.wait_for(layer.receive(channel), 20)
        finally:
            await sender

    assert asyncio.run(scenario())["text"] == "六秒后才到的消息"


def test_five_hundred_sockets_leaving_a_room_at_once_all_leave_it():
    """A room emptied at once (a closing event, a restart) discards every socket's channel
    in parallel; redis-py's pool of 100 connections refused the rest (MaxConnectionsError),
    and those channels stayed in the room, sent to until the group expired."""
    layer = get_channel_layer()
    group = "room.leave-all-at-once"

    async def scenario():
        channels = [f"{group}.{n}" for n in range(500)]
        await asyncio.gather(*(layer.group_add(group, c) for c in channels[:50]))
        await asyncio.gather(*(layer.group_add(group, c) for c in channels[50:]))
        await asyncio.gather(*(layer.group_discard(group, c) for c in channels))
        connection = layer.connection(layer.consistent_hash(group))
        return await connection.zcard(layer._group_key(group))

    assert asyncio.run(scenario()) == 0
