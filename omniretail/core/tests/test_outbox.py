"""The outbox survives failing handlers: a failing event backs off and ends in dead letter
instead of starving newer events, the admin retries it, and two deliverers share the work
without running a handler twice."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from omniretail.conftest import admin_client_for
from omniretail.core import events
from omniretail.core.models import HandledEvent, OutboxEvent
from omniretail.core.selectors import outbox_stats

CHANGELIST = "/admin/core/outboxevent/"


@events.event
class ParcelScanned:
    parcel: str


handled: list[str] = []
broken = {"prefix": "损坏"}


@events.subscribe(ParcelScanned)
def record_parcel(evt: ParcelScanned) -> None:
    handled.append(evt.parcel)


@events.subscribe(ParcelScanned)
def refuse_broken_parcel(evt: ParcelScanned) -> None:
    if broken["prefix"] and evt.parcel.startswith(broken["prefix"]):
        raise RuntimeError(f"快递接口拒收 {evt.parcel}")


@pytest.fixture(autouse=True)
def _outbox(settings):
    settings.OMNI_EVENTS_DELIVERY = "sweep"
    settings.OMNI_OUTBOX_MAX_ATTEMPTS = 3
    settings.OMNI_OUTBOX_RETRY_BASE_S = 10
    settings.OMNI_OUTBOX_RETRY_CAP_S = 600
    handled.clear()
    broken["prefix"] = "损坏"


def _publish(*parcels: str) -> None:
    with transaction.atomic():
        for parcel in parcels:
            events.publish(ParcelScanned(parcel=parcel))


def _state(parcel: str) -> OutboxEvent:
    return OutboxEvent.objects.get(payload__parcel=parcel)


@pytest.mark.django_db
def test_600_failing_events_neither_starve_a_newer_one_nor_retry_forever():
    _publish(*(f"损坏-{i}" for i in range(600)))
    _publish("杭州西湖区-新单")

    # both sweeps at one instant: a first sweep of 500 that takes longer than the 10 s
    # backoff (a loaded machine) would otherwise find its own failures due again
    start = timezone.now()
    events.deliver_pending(now=start)
    events.deliver_pending(now=start)

    assert "杭州西湖区-新单" in handled
    assert _state("杭州西湖区-新单").status == OutboxEvent.Status.DELIVERED
    failing = OutboxEvent.objects.exclude(payload__parcel="杭州西湖区-新单")
    assert set(failing.values_list("status", "attempts")) == {(OutboxEvent.Status.PENDING, 1)}
    assert outbox_stats()["pending"] == 600
    # the handler that worked kept its work (its first run went with the failing one's
    # rollback, so it ran again without it)
    ran_first = handled.count("损坏-0")
    assert HandledEvent.objects.filter(
        event_id=_state("损坏-0").event_id, handler__endswith=".record_parcel"
    ).exists()

    now = timezone.now()
    for _ in range(10):  # far more sweeps than attempts: a dead event is never tried again
        now += timedelta(hours=1)
        events.deliver_pending(limit=1000, now=now)

    assert set(failing.values_list("status", "attempts")) == {(OutboxEvent.Status.DEAD, 3)}
    assert "快递接口拒收 损坏-0" in _state("损坏-0").last_error
    # the handler that succeeded on the first attempt was never run again
    assert handled.count("损坏-0") == ran_first
    stats = outbox_stats(now=now)
    assert (stats["pending"], stats["dead"], stats["oldest_pending_age_s"]) == (0, 600, 0)


@pytest.mark.django_db
def test_a_failed_event_waits_for_its_backoff_before_the_next_attempt():
    _publish("损坏-退避")
    start = timezone.now()
    assert events.deliver_pending(now=start) == 0
    row = _state("损坏-退避")
    assert (row.attempts, row.next_attempt_at > start) == (1, True)
    ran_first = list(handled)
    broken["prefix"] = ""

    assert events.deliver_pending(now=start + timedelta(seconds=5)) == 0  # still backing off
    assert events.deliver_pending(now=start + timedelta(seconds=11)) == 1
    assert _state("损坏-退避").status == OutboxEvent.Status.DELIVERED
    assert "损坏-退避" in ran_first and handled == ran_first  # the retry ran the failed one only


@pytest.mark.django_db
def test_an_event_this_code_can_no_longer_read_fails_its_attempt_without_stopping_the_sweep():
    _publish("旧版本-包裹")
    OutboxEvent.objects.update(payload={"parcel_no": "旧版本-包裹"})  # a field since renamed
    _publish("杭州-新包裹")

    assert events.deliver_pending() == 1

    assert handled == ["杭州-新包裹"]
    old = OutboxEvent.objects.get(payload__parcel_no="旧版本-包裹")
    assert (old.status, old.attempts) == (OutboxEvent.Status.PENDING, 1)
    assert "parcel" in old.last_error


@pytest.mark.django_db
def test_pending_stats_report_the_oldest_waiting_event():
    _publish("损坏-积压")
    events.deliver_pending()
    stats = outbox_stats(now=timezone.now() + timedelta(minutes=2))
    assert stats["pending"] == 1 and stats["dead"] == 0
    assert 119 <= stats["oldest_pending_age_s"] <= 121


@pytest.mark.django_db
def test_a_dead_event_is_listed_and_retried_from_the_admin(shopper):
    _publish("损坏-人工重试")
    now = timezone.now()
    for _ in range(3):
        now += timedelta(hours=1)
        events.deliver_pending(now=now)
    dead = _state("损坏-人工重试")
    assert dead.status == OutboxEvent.Status.DEAD
    ran_before = list(handled)
    client = admin_client_for(shopper, "view_outboxevent", "change_outboxevent")
    listing = client.get(CHANGELIST, {"status__exact": "dead"})
    assert dead.event_id in listing.content.decode()

    broken["prefix"] = ""  # the courier's API is back
    client.post(CHANGELIST, {"action": "retry_selected", "_selected_action": [dead.pk]})

    dead.refresh_from_db()
    assert (dead.status, dead.attempts) == (OutboxEvent.Status.PENDING, 0)
    assert events.deliver_pending() == 1
    assert _state("损坏-人工重试").status == OutboxEvent.Status.DELIVERED
    assert "损坏-人工重试" in ran_before and handled == ran_before  # record_parcel kept its work


@pytest.mark.django_db
def test_a_view_only_admin_cannot_retry(shopper):
    _publish("损坏-无权限")
    events.deliver_pending()
    row = _state("损坏-无权限")
    client = admin_client_for(shopper, "view_outboxevent")
    client.post(CHANGELIST, {"action": "retry_selected", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.attempts == 1


@pytest.mark.django_db
def test_an_event_delivered_inline_is_not_delivered_again_by_the_sweep(
    settings, django_capture_on_commit_callbacks
):
    settings.OMNI_EVENTS_DELIVERY = "inline"
    with django_capture_on_commit_callbacks(execute=True):
        _publish("杭州-即时")
    assert events.deliver_pending(now=timezone.now() + timedelta(days=1)) == 0
    assert handled == ["杭州-即时"]
    assert _state("杭州-即时").attempts == 1


@pytest.fixture
def published_on_postgres() -> list[str]:
    """300 events committed on PostgreSQL, for deliverers racing over them."""
    parcels = [f"上海浦东-{i}" for i in range(300)]
    _publish(*parcels)
    return parcels


def _each_delivered_once(outcomes: list, parcels: list[str]) -> None:
    assert all(isinstance(o, int) for o in outcomes), outcomes
    assert sum(outcomes) == len(parcels)  # each event delivered by exactly one of them
    assert sorted(handled) == sorted(parcels)
    assert not OutboxEvent.objects.exclude(status=OutboxEvent.Status.DELIVERED).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliverers_share_the_events_and_run_each_handler_once(
    race, published_on_postgres
):
    outcomes = race(2, lambda i: events.deliver_pending())

    _each_delivered_once(outcomes, published_on_postgres)
    assert HandledEvent.objects.count() == 600  # two handlers per event


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_inline_delivery_racing_the_sweep_runs_each_handler_once(race, published_on_postgres):
    pks = list(OutboxEvent.objects.values_list("pk", flat=True))

    def deliverer(i: int) -> int:
        if i == 0:
            return events.deliver_pending()
        return sum(events.deliver(pk) for pk in pks)  # as each request's after-commit would

    _each_delivered_once(race(2, deliverer), published_on_postgres)


@pytest.mark.django_db
def test_the_sweep_leaves_an_inline_event_to_its_publisher_for_the_delivery_window(settings):
    """Issue 22: an event published inline was swept at once too, so every event was raced
    by the publisher and each worker's sweep. The sweep now takes it only when the
    publisher has not delivered it within OMNI_OUTBOX_DELIVERY_WINDOW_S (a crash)."""
    settings.OMNI_EVENTS_DELIVERY = "inline"
    settings.OMNI_OUTBOX_DELIVERY_WINDOW_S = 30
    _publish("北京朝陽-未送達")  # no on-commit run here: the publisher died before delivering
    now = timezone.now()

    assert events.deliver_pending(now=now) == 0
    assert events.deliver_pending(now=now + timedelta(seconds=31)) == 1
    assert handled == ["北京朝陽-未送達"]


@pytest.mark.django_db
def test_without_inline_delivery_the_sweep_takes_an_event_at_once(settings):
    settings.OMNI_OUTBOX_DELIVERY_WINDOW_S = 30
    _publish("廣州 天河")
    assert events.deliver_pending() == 1


@pytest.fixture
def database_queue(settings):
    """Tasks queued in the database, as `omniretail demo` and a deployment without Redis
    queue them, instead of the tests' immediate backend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.OMNI_EVENTS_DELIVERY = "task"
    settings.OMNI_OUTBOX_DELIVERY_WINDOW_S = 30


@pytest.mark.django_db
def test_by_default_the_publisher_enqueues_a_task_and_the_worker_delivers_the_event(
    database_queue, django_capture_on_commit_callbacks
):
    """Issue 22: the request that paid an order ran every handler of its events after its
    commit (131 statements). It now only queues a task; the worker runs the handlers, once."""
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        _publish("深圳 南山-到店自提")
    assert handled == []  # the publisher ran no handler
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "omniretail.core.events.deliver_event"
    assert queued.args_kwargs["kwargs"]["outbox_pk"] == _state("深圳 南山-到店自提").pk

    queued.task.call(**queued.task_result.kwargs)  # what `db_worker` runs for it

    assert handled == ["深圳 南山-到店自提"]
    assert _state("深圳 南山-到店自提").status == OutboxEvent.Status.DELIVERED
    assert events.deliver_pending(now=timezone.now() + timedelta(days=1)) == 0


@pytest.mark.django_db
def test_a_queue_refusing_the_task_keeps_the_change_and_the_sweep_delivers_it_later(
    database_queue, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args, **kwargs):
        raise ConnectionError("Redis 不可用")

    monkeypatch.setattr(events, "enqueue", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        _publish("成都 錦江-隊列故障")
    assert _state("成都 錦江-隊列故障").status == OutboxEvent.Status.PENDING
    now = timezone.now()
    assert events.deliver_pending(now=now) == 0  # the window is the publisher's
    assert events.deliver_pending(now=now + timedelta(seconds=31)) == 1
    assert handled == ["成都 錦江-隊列故障"]
