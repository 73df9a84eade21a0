"""The long-poll answers when a command arrives, without waiting out its full wait."""

import asyncio
import time

import pytest
from asgiref.sync import sync_to_async

from omniretail.counters import commands, longpoll

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_waiting_counter_is_woken_by_a_new_command(counter_setup):
    counter = counter_setup.counter
    send = sync_to_async(commands.send_ops_command, thread_sensitive=False)

    async def scenario():
        waiter = asyncio.create_task(longpoll.wait_for_commands(counter, 20))
        await asyncio.sleep(0.5)
        command = await send(counter=counter, kind="reboot")
        started = time.monotonic()
        claimed = await waiter
        return command, claimed, time.monotonic() - started

    command, claimed, waited = asyncio.run(scenario())
    assert [c.public_id for c in claimed] == [command.public_id]
    assert waited < 10  # answered on the watcher's ring, well before the 20 s wait


def test_an_idle_wait_returns_nothing(counter_setup):
    assert asyncio.run(longpoll.wait_for_commands(counter_setup.counter, 0.3)) == []
