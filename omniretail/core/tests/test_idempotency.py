import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.core.idempotency import run_idempotent
from omniretail.core.models import IdempotencyRecord


def _counter_action(calls):
    def action():
        calls.append(1)
        return 201, {"n": len(calls)}

    return action


@pytest.mark.django_db
def test_same_key_and_body_replays_the_first_response_without_acting_again():
    calls = []
    first = run_idempotent(
        principal="user:1",
        key="k1",
        endpoint="pay",
        payload={"a": 1},
        action=_counter_action(calls),
    )
    again = run_idempotent(
        principal="user:1",
        key="k1",
        endpoint="pay",
        payload={"a": 1},
        action=_counter_action(calls),
    )
    assert first == again == (201, {"n": 1})
    assert len(calls) == 1


@pytest.mark.django_db
def test_same_key_with_another_body_is_a_conflict():
    calls = []
    run_idempotent(
        principal="u", key="k", endpoint="pay", payload={"a": 1}, action=_counter_action(calls)
    )
    with pytest.raises(Conflict):
        run_idempotent(
            principal="u", key="k", endpoint="pay", payload={"a": 2}, action=_counter_action(calls)
        )
    assert len(calls) == 1


@pytest.mark.django_db
def test_keys_are_per_principal():
    calls = []
    run_idempotent(principal="a", key="k", endpoint="e", payload={}, action=_counter_action(calls))
    run_idempotent(principal="b", key="k", endpoint="e", payload={}, action=_counter_action(calls))
    assert len(calls) == 2


@pytest.mark.django_db
def test_refused_action_leaves_no_record_so_a_corrected_retry_works():
    def refuse():
        raise ValidationFailed(fields={"qty": "must be positive"})

    with pytest.raises(ValidationFailed):
        run_idempotent(principal="u", key="k", endpoint="e", payload={}, action=refuse)
    assert not IdempotencyRecord.objects.exists()
    calls = []
    assert run_idempotent(
        principal="u", key="k", endpoint="e", payload={}, action=_counter_action(calls)
    ) == (201, {"n": 1})


def _record_writes(ctx) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if "core_idempotencyrecord" in q["sql"] and q["sql"].startswith(("INSERT", "UPDATE"))
    ]


@pytest.mark.django_db
def test_a_first_request_writes_its_record_once_with_the_response():
    calls = []
    with CaptureQueriesContext(connection) as ctx:
        run_idempotent(
            principal="u", key="k", endpoint="e", payload={"a": 1}, action=_counter_action(calls)
        )
    assert len(_record_writes(ctx)) == 1  # one INSERT holding the response, no UPDATE after
    record = IdempotencyRecord.objects.get()
    assert (record.response_status, record.response_body) == (201, {"n": 1})
    with CaptureQueriesContext(connection) as ctx:
        again = run_idempotent(
            principal="u", key="k", endpoint="e", payload={"a": 1}, action=_counter_action(calls)
        )
    assert again == (201, {"n": 1}) and len(calls) == 1
    assert _record_writes(ctx) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_act_once_on_postgresql(race):
    calls = []
    outcomes = race(
        10,
        lambda i: run_idempotent(
            principal="u",
            key="same",
            endpoint="e",
            payload={"x": 1},
            action=_counter_action(calls),
        ),
    )
    assert len(calls) == 1
    assert outcomes == [(201, {"n": 1})] * 10
