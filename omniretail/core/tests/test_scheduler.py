"""The periodic jobs' scheduler: each deadline is enqueued once whoever schedules, a task
delivered twice runs its job once, one process at a time is elected."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from omniretail.core import scheduler
from omniretail.core.models import JobRun, ScheduledJob
from omniretail.core.scheduler import Periodic, Scheduler, every, periodic_jobs, run_periodic

START = datetime(2026, 12, 5, 4, 0, 0, tzinfo=UTC)
CALLS: list[int] = []


def sweep_for_test() -> int:
    CALLS.append(1)
    return 1


SWEEP = Periodic(func=sweep_for_test, seconds=30)


@pytest.fixture
def registered(monkeypatch):
    """The test's sweep is a declared job, as an app's PERIODIC would make it."""
    CALLS.clear()
    monkeypatch.setattr(scheduler, "periodic_jobs", lambda: {SWEEP.name: SWEEP})
    return SWEEP


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def enqueued_deadlines() -> list[str]:
    return sorted(r.args_kwargs["args"][1] for r in DBTaskResult.objects.all())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_enqueue_each_deadline_once_over_ten_intervals(database_queue):
    """Both believe they are elected (a lock lost and regained): the conditional UPDATE still
    lets one of them enqueue each deadline."""
    # every 10 s over 10 intervals of 30 s: each deadline is seen 3 times by both threads
    ticks = [START + timedelta(seconds=10 * i) for i in range(30)]
    barrier = threading.Barrier(2)
    enqueued: list[tuple[str, datetime]] = []
    errors: list[BaseException] = []

    def schedule() -> None:
        mine = Scheduler([SWEEP])
        try:
            for now in ticks:
                barrier.wait(timeout=10)
                enqueued.extend(mine.enqueue_due(now))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=schedule) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    deadlines = [START + timedelta(seconds=30 * i) for i in range(10)]
    assert sorted(due for _name, due in enqueued) == deadlines
    assert enqueued_deadlines() == [d.isoformat() for d in deadlines]
    assert ScheduledJob.objects.get(name=SWEEP.name).last_run_for == deadlines[-1]


@pytest.mark.django_db
def test_a_second_scheduler_after_the_first_enqueues_no_deadline_again(database_queue):
    first, second = Scheduler([SWEEP]), Scheduler([SWEEP])
    assert first.enqueue_due(START + timedelta(seconds=5)) == [(SWEEP.name, START)]
    assert second.enqueue_due(START + timedelta(seconds=20)) == []
    assert second.enqueue_due(START + timedelta(seconds=31)) == [
        (SWEEP.name, START + timedelta(seconds=30))
    ]
    assert first.enqueue_due(START + timedelta(seconds=59)) == []
    assert len(enqueued_deadlines()) == 2


@pytest.mark.django_db
def test_a_scheduler_back_after_an_outage_enqueues_the_current_deadline_only(database_queue):
    Scheduler([SWEEP]).enqueue_due(START)
    later = START + timedelta(hours=2, seconds=7)
    assert Scheduler([SWEEP]).enqueue_due(later) == [(SWEEP.name, START + timedelta(hours=2))]


@pytest.mark.django_db
def test_a_task_delivered_twice_runs_its_job_once_per_deadline(registered):
    deadline = START.isoformat()
    assert run_periodic.call(SWEEP.name, deadline) is True
    assert run_periodic.call(SWEEP.name, deadline) is False
    assert run_periodic.call(SWEEP.name, (START + timedelta(seconds=30)).isoformat()) is True

    assert len(CALLS) == 2
    runs = JobRun.objects.filter(job=SWEEP.name).order_by("deadline")
    assert [r.deadline for r in runs] == [START, START + timedelta(seconds=30)]
    assert all(r.finished_at and not r.error for r in runs)


@pytest.mark.django_db
def test_the_immediate_backend_runs_what_the_scheduler_enqueues(registered):
    Scheduler([SWEEP]).enqueue_due(START + timedelta(seconds=1))
    assert len(CALLS) == 1
    assert JobRun.objects.get().deadline == START


@pytest.mark.django_db
def test_a_failing_run_is_recorded_with_its_error_and_logged(monkeypatch, caplog):
    def broken() -> int:
        raise RuntimeError("网关超时")

    job = Periodic(func=broken, seconds=60)
    monkeypatch.setattr(scheduler, "periodic_jobs", lambda: {job.name: job})
    assert run_periodic.call(job.name, START.isoformat()) is False
    run = JobRun.objects.get(job=job.name)
    assert "网关超时" in run.error and run.finished_at is not None
    assert "网关超时" in caplog.text  # with its traceback


def test_deadlines_are_aligned_to_the_epoch_so_every_process_computes_the_same():
    job = every(minutes=5)(sweep_for_test)
    assert job.seconds == 300
    assert job.deadline(START + timedelta(minutes=7, seconds=3)) == START + timedelta(minutes=5)
    with pytest.raises(ValueError):
        every(seconds=0)


def test_every_old_housekeeping_sweep_is_a_periodic_job():
    names = set(periodic_jobs())
    assert {
        "omniretail.core.events.deliver_pending",
        "omniretail.core.throttle.purge_expired",
        "omniretail.payments.reconcile.reconcile_intents",
        "omniretail.payments.services.expire_intents",
        "omniretail.orders.services.expire_unpaid_orders",
        "omniretail.inventory.services.release_expired_reservations",
        "omniretail.referrals.rewards.credit_due_rewards",
        "omniretail.referrals.payouts.release_frozen_commissions",
        "omniretail.loyalty.services.expire_due_lots",
        "omniretail.earning.tiers.recompute_tiers",
        "omniretail.analytics.birthday.send_due",
        "omniretail.codes.services.resume_unfinished_batches",
        "omniretail.pointsmall.services.expire_vouchers",
        "omniretail.groupbuy.services.expire_unpaid_members",
        "omniretail.groupbuy.settlement.finish_formed_groups",
        "omniretail.groupbuy.settlement.close_ended_campaigns",
        "omniretail.counters.vending.expire_unlocks",
        "omniretail.counters.vending.expire_codes",
        "omniretail.counters.vending.flag_unclosed_doors",
        "omniretail.counters.device.mark_offline",
    } <= names


@pytest.mark.django_db
def test_every_periodic_job_runs_on_an_empty_database():
    for job in periodic_jobs().values():
        job.func()


def test_operations_doc_lists_every_periodic_job_with_its_interval():
    doc = (django_settings.BASE_DIR / "docs" / "operations.md").read_text(encoding="utf-8")
    section = doc.split("## Tasks and schedule", 1)[1].split("\n## ", 1)[0]
    for job in periodic_jobs().values():
        assert f"| `{job.name}` | {job.seconds} s |" in section, job.name


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_process_at_a_time_holds_the_postgresql_election():
    first, second = scheduler.PostgresLock(), scheduler.PostgresLock()
    try:
        assert first.hold() and first.hold()
        assert not second.hold()
        first.conn.close()  # the elected process dies: its session, and the lock, end
        assert not first.hold()
        # the server ends the session a moment later; the others ask again every tick
        deadline = time.monotonic() + 5
        while not second.hold() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert second.held
    finally:
        first.release()
        second.release()


@pytest.mark.redis
def test_one_process_at_a_time_holds_the_redis_election():
    key = f"{django_settings.OMNI_REDIS_PREFIX}:scheduler-test"
    first = scheduler.RedisLock(django_settings.REDIS_URL, key, ttl_ms=300)
    second = scheduler.RedisLock(django_settings.REDIS_URL, key, ttl_ms=300)
    try:
        assert first.hold() and first.hold()  # renewed
        assert not second.hold()
        first.client.delete(key)  # expired: the first stopped renewing in time
        assert second.hold()
        assert not first.hold()
        second.release()
        assert first.hold()
    finally:
        first.release()
        second.release()


def test_the_election_follows_the_setup(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert isinstance(scheduler.election(), scheduler.RedisLock)
    settings.REDIS_URL = ""
    # SQLite is one machine's file: its single process schedules
    sole = scheduler.PostgresLock if connection.vendor == "postgresql" else scheduler.SoleProcess
    assert isinstance(scheduler.election(), sole)


@pytest.mark.redis
@pytest.mark.django_db
def test_on_rq_the_scheduled_run_goes_through_redis_to_an_rq_worker(settings, registered):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    queue = django_rq.get_queue("default", job_class=Job)
    queue.empty()
    try:
        assert Scheduler([SWEEP]).enqueue_due(START + timedelta(seconds=3))
        assert queue.count == 1 and CALLS == []
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    finally:
        queue.empty()
    assert CALLS == [1]
    assert JobRun.objects.get(job=SWEEP.name).deadline == START
