"""Long-poll without a query per waiting counter: in each server process (each event loop),
one watcher asks the database every 0.2 s which of the counters now waiting have a command
due, in a single query, and wakes only those. A thousand idle counters cost five queries a
second, not five thousand."""

import asyncio
import logging
import time
import weakref

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from omniretail.counters import commands

logger = logging.getLogger(__name__)
STEP_S = 0.2
# event loop -> {"waiters": {counter id: set of events}, "task": the watcher or None}
_watchers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state() -> dict:
    loop = asyncio.get_running_loop()
    state = _watchers.get(loop)
    if state is None:
        state = _watchers[loop] = {"waiters": {}, "task": None}
    return state


def fresh_connection(query):
    """Run `query` on a usable connection and let it go after: the executor threads serve no
    request, so the request-end clean-up never replaces a broken connection for them nor
    gives a pooled one back (held by an idle thread, it would be lost to the requests)."""

    def run(*args, **kwargs):
        close_old_connections()
        try:
            return query(*args, **kwargs)
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False)


async def _watch(state: dict) -> None:
    due_query = fresh_connection(commands.due_counters)
    try:
        while state["waiters"]:
            try:
                due = await due_query(list(state["waiters"]))
            except Exception:  # a database hiccup must not strand the waiters: retry
                logger.exception("long-poll watcher query failed")
                due = set()
            for counter_id in due:
                for event in state["waiters"].get(counter_id, ()):
                    event.set()
            await asyncio.sleep(STEP_S)
    finally:
        state["task"] = None


async def wait_for_commands(counter, wait_s: float) -> list:
    """Claim what is due now, else sleep until the watcher rings or `wait_s` passes."""
    claim = fresh_connection(commands.claim)
    deadline = time.monotonic() + wait_s
    claimed = await claim(counter=counter)
    state = _state()
    while not claimed and time.monotonic() < deadline:
        event = asyncio.Event()
        state["waiters"].setdefault(counter.pk, set()).add(event)
        if state["task"] is None:
            state["task"] = asyncio.create_task(_watch(state))
        try:
            await asyncio.wait_for(event.wait(), timeout=max(0.0, deadline - time.monotonic()))
        except TimeoutError:
            pass
        finally:
            waiting = state["waiters"].get(counter.pk)
            if waiting is not None:
                waiting.discard(event)
                if not waiting:
                    del state["waiters"][counter.pk]
        claimed = await claim(counter=counter)
    return claimed
