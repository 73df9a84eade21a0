from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from omniretail.core import events
from omniretail.core.models import HandledEvent, OutboxEvent


@events.event
class ThingHappened:
    thing_id: str


seen: list[str] = []
flaky_failures = {"left": 0}


@events.subscribe(ThingHappened)
def record_thing(evt: ThingHappened) -> None:
    seen.append(evt.thing_id)


@events.subscribe(ThingHappened)
def flaky_handler(evt: ThingHappened) -> None:
    if flaky_failures["left"] > 0:
        flaky_failures["left"] -= 1
        raise RuntimeError("downstream unavailable")


@events.subscribe(ThingHappened, thing_id="parcel")
def parcel_only(evt: ThingHappened) -> None:
    seen.append(f"parcel handler: {evt.thing_id}")


@pytest.fixture(autouse=True)
def _reset():
    seen.clear()
    flaky_failures["left"] = 0


@pytest.mark.django_db
def test_event_is_delivered_after_commit_and_handlers_run_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = events.publish(ThingHappened(thing_id="a"))
        assert seen == []  # nothing happens before commit
    assert seen == ["a"]
    assert OutboxEvent.objects.get(pk=row.pk).delivered_at is not None
    # a crash after the handlers committed but before the row was marked: redelivered
    OutboxEvent.objects.filter(pk=row.pk).update(
        status=OutboxEvent.Status.PENDING, delivered_at=None
    )
    assert events.deliver(row.pk) is True
    assert seen == ["a"]


@pytest.mark.django_db
def test_rolled_back_change_publishes_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ValueError),
        transaction.atomic(),
    ):
        events.publish(ThingHappened(thing_id="b"))
        raise ValueError("the change failed")
    assert seen == []
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db
def test_failing_handler_is_retried_by_the_sweep_without_repeating_the_others(
    django_capture_on_commit_callbacks,
):
    flaky_failures["left"] = 1
    with django_capture_on_commit_callbacks(execute=True):
        row = events.publish(ThingHappened(thing_id="c"))
    row.refresh_from_db()
    assert row.delivered_at is None and "downstream unavailable" in row.last_error
    # the handler that worked is marked done (its work kept); the failing one is not
    assert _marked(row) == ["record_thing"]
    first_attempt = list(seen)
    assert events.deliver_pending(now=row.next_attempt_at) == 1
    row.refresh_from_db()
    assert row.delivered_at is not None
    assert seen == first_attempt  # the retry ran only the handler that had failed
    assert _marked(row) == ["flaky_handler", "record_thing"]


def _marked(row) -> list[str]:
    names = HandledEvent.objects.filter(event_id=row.event_id).values_list("handler", flat=True)
    return sorted(name.rsplit(".", 1)[1] for name in names)


@pytest.mark.django_db(transaction=True)
def test_an_event_s_handlers_run_in_one_savepoint_with_their_markers_in_one_insert():
    """The bookkeeping of a paid order's five handlers was fifteen statements (a savepoint,
    a marker and a release each): now it is three, however many handlers run."""
    with override_settings(OMNI_EVENTS_DELIVERY="sweep"), transaction.atomic():
        row = events.publish(ThingHappened(thing_id="parcel"))
    with CaptureQueriesContext(connection) as ran:
        assert events.deliver(row.pk)
    assert seen == ["parcel", "parcel handler: parcel"]
    statements = [q["sql"] for q in ran.captured_queries]
    assert sum(s.startswith("SAVEPOINT") for s in statements) == 1, statements
    assert sum("INSERT INTO" in s and "core_handledevent" in s for s in statements) == 1
    assert _marked(row) == ["flaky_handler", "parcel_only", "record_thing"]


@pytest.mark.django_db
def test_markers_that_cannot_be_written_count_as_a_failed_attempt_not_a_stuck_event(settings):
    """A first attempt does not read the markers (none can exist before one is counted);
    should one exist all the same (written by hand in the admin), the attempt fails and is
    counted, and the next reads them and runs only the handlers not marked."""
    settings.OMNI_EVENTS_DELIVERY = "sweep"
    with transaction.atomic():
        row = events.publish(ThingHappened(thing_id="手工 標記"))
    HandledEvent.objects.create(event_id=row.event_id, handler=f"{__name__}.record_thing")
    assert events.deliver(row.pk) is False
    row.refresh_from_db()
    assert (row.status, row.attempts, seen) == (OutboxEvent.Status.PENDING, 1, [])
    assert "markers" in row.last_error
    assert events.deliver(row.pk) is True
    assert seen == []  # record_thing was marked done; flaky_handler ran
    assert _marked(row) == ["flaky_handler", "record_thing"]


@pytest.mark.django_db
def test_a_handler_for_some_values_runs_for_those_and_leaves_no_trace_on_the_others(
    django_capture_on_commit_callbacks,
):
    """`subscribe(..., thing_id="parcel")`: the handler runs for a parcel's event alone; the
    other events pass it over without a savepoint or a HandledEvent row of its own."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        other = events.publish(ThingHappened(thing_id="letter"))
        parcel = events.publish(ThingHappened(thing_id="parcel"))
    assert seen == ["letter", "parcel", "parcel handler: parcel"]
    assert _marked(other) == ["flaky_handler", "record_thing"]
    assert _marked(parcel) == ["flaky_handler", "parcel_only", "record_thing"]


@events.event
class PaymentCleared:
    payment_id: str


@events.event
class GoodsReleased:
    payment_id: str


@events.subscribe(PaymentCleared)
def release_goods(evt: PaymentCleared) -> None:
    seen.append(f"cleared {evt.payment_id}")
    events.publish(GoodsReleased(payment_id=evt.payment_id))


@events.subscribe(GoodsReleased)
def record_release(evt: GoodsReleased) -> None:
    seen.append(f"released {evt.payment_id}")


@pytest.mark.django_db(transaction=True)
def test_an_event_a_handler_publishes_is_delivered_by_the_same_task(settings):
    """A payment's event, then its order's: the worker that delivers the first delivers the
    second after its commit, with no second task to enqueue, claim and close."""
    settings.OMNI_EVENTS_DELIVERY = "task"  # run at once by the tests' immediate task backend
    with (
        mock.patch.object(events, "enqueue", wraps=events.enqueue) as enqueued,
        transaction.atomic(),
    ):
        events.publish(PaymentCleared(payment_id="支付 01"))
    assert seen == ["cleared 支付 01", "released 支付 01"]
    assert [c.args[0] for c in enqueued.call_args_list] == [events.deliver_event]
    assert set(OutboxEvent.objects.values_list("status", flat=True)) == {"delivered"}


@events.event
class LetterSorted:
    letter_id: str
    tray: str


@events.subscribe(LetterSorted, tray=("express", "registered"))
def sign_for_letter(evt: LetterSorted) -> None:
    seen.append(f"signed for {evt.letter_id}")


@pytest.mark.django_db
def test_an_event_no_handler_wants_is_written_delivered_and_nothing_is_queued(
    django_capture_on_commit_callbacks,
):
    """A handler may want several values of a field; an event none wants (a plain letter
    here, an order moving to a status nobody acts on) is kept in the outbox as delivered,
    with no task, inline delivery or sweep to come."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        plain = events.publish(LetterSorted(letter_id="平信 1", tray="plain"))
    assert callbacks == [] and seen == []
    plain.refresh_from_db()
    assert plain.status == OutboxEvent.Status.DELIVERED and plain.delivered_at is not None
    assert plain.payload == {"letter_id": "平信 1", "tray": "plain"}
    assert not HandledEvent.objects.filter(event_id=plain.event_id).exists()
    assert events.deliver_pending(fresh=True) == 0

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        express = events.publish(LetterSorted(letter_id="快遞 2", tray="express"))
        registered = events.publish(LetterSorted(letter_id="掛號 3", tray="registered"))
    assert len(callbacks) == 2
    assert seen == ["signed for 快遞 2", "signed for 掛號 3"]
    for row in (express, registered):
        row.refresh_from_db()
        assert row.status == OutboxEvent.Status.DELIVERED
        assert HandledEvent.objects.filter(event_id=row.event_id).count() == 1
