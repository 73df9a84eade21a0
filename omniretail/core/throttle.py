"""Rate limits that hold across every web process: fixed-window counters moved by one atomic
statement each, so a burst of threads or two servers see one count and never slip past a
limit between a check and a write.

Counters live in Redis when `REDIS_URL` is set (one Lua script per change, which Redis runs
atomically; a key expires with its window), else in the database (`ThrottleCounter`, an
`INSERT … ON CONFLICT DO UPDATE … RETURNING` that SQLite and PostgreSQL both run).

In the database a count survives only when it is written outside the caller's transaction:
call `hit` before `transaction.atomic()`, or count a refusal in an idempotent
`core.errors.refuse` record. (Redis keeps every count at once, whatever the caller's
transaction does.)"""

import logging
import math
import time
from datetime import datetime
from functools import cached_property
from typing import Protocol

import redis
from django.conf import settings
from django.db import connection
from django.db.models import F

from omniretail.core.models import ThrottleCounter

audit = logging.getLogger("omniretail.audit")


class Counters(Protocol):
    def incr(
        self, scope: str, key: str, window: int, now: float, once: str | None = None
    ) -> tuple[int, float]:
        """Add one hit; the hits in the current window and when it resets (Unix time). A hit
        named `once` is added once however often it is counted again."""

    def get(self, scope: str, key: str, now: float) -> tuple[int, float]: ...

    def decr(self, scope: str, key: str) -> None: ...

    def extend(self, scope: str, key: str, until: float) -> None: ...

    def delete(self, scope: str, key: str) -> None: ...

    def purge(self, now: float) -> int:
        """Forget windows that have ended (a cache's TTL does this by itself)."""


class DatabaseCounters:
    def incr(
        self, scope: str, key: str, window: int, now: float, once: str | None = None
    ) -> tuple[int, float]:
        # `once` needs nothing here: a count written again after a rollback is the only
        # repeat, and the rollback took the first one away.
        qn = connection.ops.quote_name
        t, hits, resets = qn(ThrottleCounter._meta.db_table), qn("hits"), qn("resets_at")
        expired = f"{t}.{resets} <= %s"
        sql = (
            f"INSERT INTO {t} ({qn('scope')}, {qn('key')}, {hits}, {resets}) "
            f"VALUES (%s, %s, 1, %s) "
            f"ON CONFLICT ({qn('scope')}, {qn('key')}) DO UPDATE SET "
            f"{hits} = CASE WHEN {expired} THEN 1 ELSE {t}.{hits} + 1 END, "
            f"{resets} = CASE WHEN {expired} THEN %s ELSE {t}.{resets} END "
            f"RETURNING {hits}, {resets}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [scope, key, now + window, now, now, now + window])
            count, resets_at = cursor.fetchone()
        return count, resets_at

    def get(self, scope: str, key: str, now: float) -> tuple[int, float]:
        row = (
            ThrottleCounter.objects.filter(scope=scope, key=key, resets_at__gt=now)
            .values_list("hits", "resets_at")
            .first()
        )
        return row or (0, now)

    def decr(self, scope: str, key: str) -> None:
        ThrottleCounter.objects.filter(scope=scope, key=key, hits__gt=0).update(hits=F("hits") - 1)

    def extend(self, scope: str, key: str, until: float) -> None:
        ThrottleCounter.objects.filter(scope=scope, key=key, resets_at__lt=until).update(
            resets_at=until
        )

    def delete(self, scope: str, key: str) -> None:
        ThrottleCounter.objects.filter(scope=scope, key=key).delete()

    def purge(self, now: float) -> int:
        return ThrottleCounter.objects.filter(resets_at__lte=now).delete()[0]


class RedisCounters:
    """One hash per key: hits and the window's end (`now` is the caller's, as in the
    database, so a window ends at the same instant whichever store counts it). The key
    expires when its window ends, so nothing needs purging."""

    # KEYS[1] (and the hit's name, KEYS[2]); ARGV: now, the new window's end, the window in s
    INCR = """
    if #KEYS > 1 and not redis.call('SET', KEYS[2], 1, 'NX', 'EX', ARGV[3]) then
      local counted = redis.call('HMGET', KEYS[1], 'h', 'r')
      return {tonumber(counted[1]) or 0, counted[2] or ARGV[1]}
    end
    local resets = tonumber(redis.call('HGET', KEYS[1], 'r'))
    if resets == nil or resets <= tonumber(ARGV[1]) then
      redis.call('HSET', KEYS[1], 'h', 1, 'r', ARGV[2])
      redis.call('EXPIRE', KEYS[1], ARGV[3])
      return {1, ARGV[2]}
    end
    return {redis.call('HINCRBY', KEYS[1], 'h', 1), redis.call('HGET', KEYS[1], 'r')}
    """
    DECR = """
    local hits = tonumber(redis.call('HGET', KEYS[1], 'h'))
    if hits and hits > 0 then redis.call('HINCRBY', KEYS[1], 'h', -1) end
    """
    # ARGV: the new end, seconds from the server's now until it
    EXTEND = """
    local resets = tonumber(redis.call('HGET', KEYS[1], 'r'))
    if resets and resets < tonumber(ARGV[1]) then
      redis.call('HSET', KEYS[1], 'r', ARGV[1])
      redis.call('EXPIRE', KEYS[1], ARGV[2])
    end
    """

    def __init__(self, url: str, prefix: str) -> None:
        self.url, self.prefix = url, prefix

    @cached_property
    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    @cached_property
    def scripts(self) -> dict:
        lua = {"incr": self.INCR, "decr": self.DECR, "extend": self.EXTEND}
        return {name: self.client.register_script(text) for name, text in lua.items()}

    def _key(self, scope: str, key: str) -> str:
        return f"{self.prefix}:throttle:{scope}:{key}"

    def incr(
        self, scope: str, key: str, window: int, now: float, once: str | None = None
    ) -> tuple[int, float]:
        keys = [self._key(scope, key)] + ([self._key(scope, f"{key}:once:{once}")] if once else [])
        hits, resets = self.scripts["incr"](
            keys=keys, args=[repr(now), repr(now + window), max(1, window)]
        )
        return int(hits), float(resets)

    def get(self, scope: str, key: str, now: float) -> tuple[int, float]:
        hits, resets = self.client.hmget(self._key(scope, key), ["h", "r"])
        if hits is None or resets is None or float(resets) <= now:
            return 0, now
        return int(hits), float(resets)

    def decr(self, scope: str, key: str) -> None:
        self.scripts["decr"](keys=[self._key(scope, key)])

    def extend(self, scope: str, key: str, until: float) -> None:
        ttl = max(1, math.ceil(until - time.time()))
        self.scripts["extend"](keys=[self._key(scope, key)], args=[repr(until), ttl])

    def delete(self, scope: str, key: str) -> None:
        self.client.delete(self._key(scope, key))

    def purge(self, now: float) -> int:
        return 0  # each key expires with its window


def counters() -> Counters:
    """The store the settings name: Redis when REDIS_URL is set, else the database."""
    if settings.REDIS_URL:
        return RedisCounters(settings.REDIS_URL, settings.OMNI_REDIS_PREFIX)
    return DatabaseCounters()


BACKEND: Counters = counters()


def _ts(now: datetime | None) -> float:
    return now.timestamp() if now is not None else time.time()


def _wait(resets_at: float, now: float) -> int:
    return max(1, math.ceil(resets_at - now))


def rate(text: str) -> tuple[int, int]:
    """'10/3600' -> (10, 3600): ten per hour (settings check the format at start-up)."""
    limit, window = text.split("/")
    return int(limit), int(window)


def incr(
    scope: str, key: str, window: int, *, now: datetime | None = None, once: str | None = None
) -> tuple[int, int]:
    """Count one hit: (hits in this window, seconds until the window resets). A hit counted
    in a `core.errors.refuse` record names itself with `once` (the record's own id): the
    record runs again after a rollback, which takes a database count away but not a Redis
    one, so a named hit is counted once."""
    ts = _ts(now)
    count, resets_at = BACKEND.incr(scope, key[:200], window, ts, once)
    return count, _wait(resets_at, ts)


def hit(
    scope: str, key: str, limit: int, window: int, *, now: datetime | None = None
) -> int | None:
    """Count one attempt; None when it is within `limit` per `window` seconds, else the
    seconds to wait (the refused attempt counts too, which changes nothing: the window's
    end stays where it was)."""
    count, wait = incr(scope, key, window, now=now)
    return wait if count > limit else None


def exhausted(scope: str, key: str, limit: int, *, now: datetime | None = None) -> int | None:
    """Seconds to wait when `limit` hits are already counted in this window, else None: for
    limits that count only failures, checked before the attempt."""
    ts = _ts(now)
    count, resets_at = BACKEND.get(scope, key[:200], ts)
    return _wait(resets_at, ts) if count >= limit else None


def undo(scope: str, key: str) -> None:
    """Give back an attempt that turned out legitimate (a right code, a right password)."""
    BACKEND.decr(scope, key[:200])


def lock(scope: str, key: str, seconds: int, *, now: datetime | None = None) -> None:
    """Keep the current window (and so a full counter) for `seconds` from now."""
    BACKEND.extend(scope, key[:200], _ts(now) + seconds)


def clear(scope: str, key: str) -> None:
    BACKEND.delete(scope, key[:200])


def purge_expired(*, now: datetime | None = None) -> int:
    """Housekeeping: drop the counters whose window has ended, so the table holds only the
    phones, addresses and accounts seen lately (a dropped counter starts again at zero,
    exactly as an ended window would)."""
    return BACKEND.purge(_ts(now))


def client_ip(request) -> str:
    """The caller's address: REMOTE_ADDR, or behind `OMNI_TRUSTED_PROXIES` reverse proxies
    the entry they appended to X-Forwarded-For (the client's own entries can be forged)."""
    hops = settings.OMNI_TRUSTED_PROXIES
    forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [p for p in forwarded if p]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
