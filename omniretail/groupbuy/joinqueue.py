"""Joins in batches, for a flash sale. In each web worker process, concurrent joins are
handed to one flusher thread that seats up to `OMNI_GROUPBUY_JOIN_BATCH` of them in one
transaction (`services.join_many`: one seat claim, one insert of intents, one of members),
so a round trip and a commit are shared by the whole batch instead of paid by each join.
Each caller waits for its own answer: the Member, or the error `services.join` would have
raised. Seats are still claimed by the database (SKIP LOCKED), so any number of processes
may run a queue side by side without ever seating more than a group's size."""

import os
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from omniretail.groupbuy import services
from omniretail.groupbuy.models import Campaign, Group, Member

WAIT_SECONDS = 30


@dataclass
class _Join:
    shopper: object
    campaign: Campaign
    provider: str
    group: Group | None
    client_value: str | None
    answer: Future = field(default_factory=Future)

    @property
    def batch_key(self) -> tuple:
        return self.campaign.pk, self.group.pk if self.group else None


@dataclass
class _Withdraw:
    member: Member
    answer: Future = field(default_factory=Future)


class JoinQueue:
    """A process's queue of joins and the thread that flushes it (started on first use, and
    again in a forked child, whose parent's thread did not come along)."""

    def __init__(self, batch: int | None = None):
        self.batch = batch
        self._pid = None
        self._lock = threading.Lock()

    def join(
        self,
        *,
        shopper,
        campaign: Campaign,
        provider: str,
        group: Group | None = None,
        client_value: str | None = None,
    ):
        request = _Join(shopper, campaign, provider, group, client_value)
        self._pending().put(request)
        return request.answer.result(timeout=WAIT_SECONDS)

    def withdraw(self, member: Member) -> None:
        """`services.withdraw_join`, committed on the flusher's connection: the caller's
        own transaction is about to be rolled back."""
        request = _Withdraw(member)
        self._pending().put(request)
        request.answer.result(timeout=WAIT_SECONDS)

    def stop(self) -> None:
        """Seat what is queued, close the flusher's connection and end it (shutdown, tests)."""
        with self._lock:
            if self._pid == os.getpid():
                self._queue.put(None)
                self._thread.join()
            self._pid = None

    def _pending(self) -> queue.SimpleQueue:
        with self._lock:
            if self._pid != os.getpid():
                self._pid, self._queue = os.getpid(), queue.SimpleQueue()
                self._thread = threading.Thread(
                    target=self._flush_until_stopped, name="groupbuy-joins", daemon=True
                )
                self._thread.start()
            return self._queue

    def _flush_until_stopped(self) -> None:
        pending = self._queue
        limit = self.batch or settings.OMNI_GROUPBUY_JOIN_BATCH
        stopped = False
        while not stopped:
            batch = [pending.get()]
            while batch[-1] is not None and len(batch) < limit:
                try:
                    batch.append(pending.get_nowait())
                except queue.Empty:
                    break
            if batch[-1] is None:
                batch.pop()
                stopped = True
            if batch:
                self._flush(batch)
        connection.close()

    @staticmethod
    def _flush(batch: list) -> None:
        """Seat one batch, per campaign (and chosen group), and answer every caller."""
        by_key: dict[tuple, list[_Join]] = {}
        for request in batch:
            if isinstance(request, _Withdraw):
                _answer(request.answer, services.withdraw_join, request.member)
            else:
                by_key.setdefault(request.batch_key, []).append(request)
        for requests in by_key.values():
            try:
                outcomes = services.join_many(
                    campaign=requests[0].campaign,
                    group=requests[0].group,
                    joins=[(r.shopper, r.provider, r.client_value) for r in requests],
                )
            except Exception as exc:  # the callers get it; the thread lives on, reconnected
                outcomes = [exc] * len(requests)
                connection.close()
            for request, outcome in zip(requests, outcomes, strict=True):
                if isinstance(outcome, Member):
                    request.answer.set_result(outcome)
                else:
                    request.answer.set_exception(outcome)


joins = JoinQueue()


def _answer(answer: Future, call, *args) -> None:
    try:
        answer.set_result(call(*args))
    except Exception as exc:
        connection.close()
        answer.set_exception(exc)
