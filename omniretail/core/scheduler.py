"""Periodic jobs on the task queue. Each app's `tasks.py` declares its sweeps where they live
(`PERIODIC = [every(seconds=30)(expire_unpaid_orders), ...]`); one elected scheduler turns
each job's due deadline into a task. Deadlines are aligned to the epoch, so every process
computes the same ones; a conditional UPDATE advances a job's last enqueued deadline, so even
two schedulers (a lock lost and regained) enqueue a deadline once; the task writes one
JobRun per (job, deadline), so a task delivered twice runs the job once."""

import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import import_module
from typing import Protocol

import psycopg
from django.apps import apps
from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import module_has_submodule
from django_tasks import task

from omniretail.core.logs import carries_request_id
from omniretail.core.models import JobRun, ScheduledJob

logger = logging.getLogger(__name__)

# pg_try_advisory_lock's key for the scheduler's election ("omni" in ASCII).
ADVISORY_KEY = 0x6F6D6E69


@dataclass(frozen=True)
class Periodic:
    func: Callable[[], object]
    seconds: int

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"

    def deadline(self, now: datetime) -> datetime:
        """The latest deadline at or before `now`: a multiple of the interval since the epoch."""
        return datetime.fromtimestamp(now.timestamp() // self.seconds * self.seconds, tz=UTC)


def every(*, seconds: int = 0, minutes: int = 0, hours: int = 0):
    """Declares a sweep periodic: `every(minutes=5)(func)` in its app's `PERIODIC` list."""
    interval = seconds + 60 * minutes + 3600 * hours
    if interval < 1:
        raise ValueError("a periodic job needs an interval of at least one second")
    return lambda func: Periodic(func=func, seconds=interval)


@cache
def periodic_jobs() -> dict[str, Periodic]:
    """Every installed app's `tasks.PERIODIC`, by name."""
    jobs: dict[str, Periodic] = {}
    for app in apps.get_app_configs():
        if not module_has_submodule(app.module, "tasks"):
            continue
        for job in getattr(import_module(f"{app.name}.tasks"), "PERIODIC", []):
            if job.name in jobs:
                raise ValueError(f"periodic job {job.name} is declared twice")
            jobs[job.name] = job
    return jobs


@task()
@carries_request_id
def run_periodic(name: str, deadline: str) -> bool:
    """Runs a job for one deadline, once: the JobRun row is the claim, so a redelivered task
    (or a second enqueue) finds it and does nothing. A failure is logged and kept on the run,
    not raised: the job's next deadline runs it again (every sweep is idempotent), and a
    queue does not keep a failed task per deadline (RQ keeps failed jobs for a year)."""
    job = periodic_jobs().get(name)
    if job is None:  # queued by a release that still had it
        logger.warning("periodic job %s is not declared any more; skipped", name)
        return False
    try:
        with transaction.atomic():
            run = JobRun.objects.create(job=name, deadline=datetime.fromisoformat(deadline))
    except IntegrityError:
        return False
    try:
        job.func()
    except Exception as exc:
        logger.exception("periodic job %s failed for %s", name, deadline)
        JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), error=repr(exc)[:2000])
        return False
    JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())
    return True


class Scheduler:
    """Enqueues each job's due deadline. What it remembers (the next deadline per job) only
    saves queries: the database's conditional UPDATE decides."""

    def __init__(self, jobs: list[Periodic] | None = None) -> None:
        self.jobs = list(periodic_jobs().values()) if jobs is None else jobs
        self._next: dict[str, datetime] = {}
        self._known = False

    def enqueue_due(self, now: datetime | None = None) -> list[tuple[str, datetime]]:
        now = now or timezone.now()
        if not self._known:
            ScheduledJob.objects.bulk_create(
                [ScheduledJob(name=job.name) for job in self.jobs], ignore_conflicts=True
            )
            self._known = True
        enqueued = []
        for job in self.jobs:
            due = job.deadline(now)
            if job.name in self._next and due < self._next[job.name]:
                continue
            with transaction.atomic():
                advanced = (
                    ScheduledJob.objects.filter(name=job.name)
                    .filter(Q(last_run_for__isnull=True) | Q(last_run_for__lt=due))
                    .update(last_run_for=due, enqueued_at=now)
                )
                if advanced:  # on the database backend the task commits with the deadline
                    run_periodic.enqueue(job.name, due.isoformat())
            if advanced:
                enqueued.append((job.name, due))
            self._next[job.name] = datetime.fromtimestamp(due.timestamp() + job.seconds, tz=UTC)
        return enqueued


class Election(Protocol):
    def hold(self) -> bool:
        """True while this process is the scheduler: takes the lock, or keeps it."""

    def release(self) -> None: ...


class SoleProcess:
    """SQLite: the database is one machine's file, so its single process schedules."""

    def hold(self) -> bool:
        return True

    def release(self) -> None:
        pass


class PostgresLock:
    """A session advisory lock on a connection of its own (never a pooled one, which would
    carry the lock to whoever takes it next); the lock ends with the session, so a killed
    scheduler frees it at once."""

    def __init__(self) -> None:
        self.conn: psycopg.Connection | None = None
        self.held = False

    def hold(self) -> bool:
        try:
            if self.conn is None:
                self.held = False
                params = connection.get_connection_params()
                self.conn = psycopg.connect(**params, autocommit=True)
            if self.held:
                self.conn.execute("SELECT 1")  # the session lives, so does its lock
            else:
                row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
                self.held = bool(row.fetchone()[0])  # type: ignore[index]
        except psycopg.Error:
            logger.warning("scheduler lock lost with its PostgreSQL session", exc_info=True)
            self.release()
        return self.held

    def release(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()  # ending the session drops its advisory locks
        self.conn, self.held = None, False


class RedisLock:
    """SET NX PX, renewed on every tick while the token is still ours; a scheduler that
    stops renewing loses it after `ttl_ms`."""

    RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
    )
    RELEASE = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('del', KEYS[1]) else return 0 end"
    )

    def __init__(self, url: str, key: str, ttl_ms: int = 10_000) -> None:
        import secrets

        import redis

        self.client = redis.Redis.from_url(url)
        self.key, self.ttl_ms = key, ttl_ms
        self.token = secrets.token_hex(16)
        self.held = False

    def hold(self) -> bool:
        import redis

        try:
            if self.held:
                self.held = bool(self.client.eval(self.RENEW, 1, self.key, self.token, self.ttl_ms))
            if not self.held:
                self.held = bool(self.client.set(self.key, self.token, nx=True, px=self.ttl_ms))
        except redis.RedisError:
            logger.warning("scheduler lock unreachable in Redis", exc_info=True)
            self.held = False
        return self.held

    def release(self) -> None:
        with contextlib.suppress(Exception):  # unreachable: it expires by itself
            self.client.eval(self.RELEASE, 1, self.key, self.token)
        self.held = False


def election() -> Election:
    if settings.REDIS_URL:
        return RedisLock(settings.REDIS_URL, f"{settings.OMNI_REDIS_PREFIX}:scheduler")
    if connection.vendor == "postgresql":
        return PostgresLock()
    return SoleProcess()


def run_forever(stop: threading.Event, tick_s: float = 1.0) -> None:
    """Every worker runs this; only the elected one enqueues."""
    elected, scheduler = election(), Scheduler()
    try:
        while not stop.is_set():
            try:
                if elected.hold():
                    scheduler.enqueue_due()
            except Exception:  # the database or queue is away: try again next tick
                logger.exception("scheduler tick failed")
            finally:
                close_old_connections()
            stop.wait(tick_s)
    finally:
        elected.release()
