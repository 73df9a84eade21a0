"""Sequence numbers at their limits, and what a device reads to recover: `last_seq` as an
integer in the handshake, in every accepted answer and in every 409, whatever the language."""

import importlib

import pytest
from django.apps import apps as django_apps

from omniretail.counters.device import MAX_SEQ
from omniretail.counters.models import Counter, DeviceEvent
from omniretail.counters.tests.device import InProcessSim


@pytest.fixture
def post(counter_setup, api_client):
    device = api_client()

    def send(body, lang="zh-hans"):
        return device.post(
            "/api/counters/device/events",
            body,
            headers={**counter_setup.device_headers, "Accept-Language": lang},
        )

    return send


@pytest.mark.parametrize(
    "seq", [MAX_SEQ, MAX_SEQ + 1, 2**63, -1, 0, 1.5, 5.0, "5", "abc", True, None]
)
def test_a_sequence_outside_the_documented_range_is_refused_and_stores_nothing(
    counter_setup, post, seq
):
    resp = post({"seq": seq, "kind": "heartbeat"})
    assert resp.status_code == 422, resp.content
    assert "seq" in resp.json()["error"]["fields"]
    assert Counter.objects.get(pk=counter_setup.counter.pk).last_seq == 0
    assert DeviceEvent.objects.count() == 0
    # the counter is not bricked: the next ordinary event is accepted
    assert post({"seq": 1, "kind": "heartbeat"}).status_code == 200


def test_the_largest_sequence_is_accepted(counter_setup, post):
    resp = post({"seq": MAX_SEQ - 1, "kind": "heartbeat"})
    assert resp.status_code == 200
    assert resp.json()["last_seq"] == MAX_SEQ - 1


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_a_stale_sequence_names_the_last_accepted_one_as_an_integer(counter_setup, post, lang):
    assert post({"seq": 41, "kind": "heartbeat"}).json()["last_seq"] == 41
    for body in (
        {"seq": 7, "kind": "heartbeat"},  # older
        {"seq": 41, "kind": "fault", "data": {"reason": "x"}},  # reused with another body
    ):
        resp = post(body, lang=lang)
        assert resp.status_code == 409
        error = resp.json()["error"]
        assert error["code"] == "stale_sequence"
        assert error["details"] == {"last_seq": 41}
    duplicate = post({"seq": 41, "kind": "heartbeat"}, lang=lang).json()
    assert duplicate == {"seq": 41, "duplicate": True, "last_seq": 41}


def test_the_handshake_tells_a_device_that_lost_its_counter_where_to_continue(
    counter_setup, post, api_client
):
    config = api_client().get("/api/counters/device/config", headers=counter_setup.device_headers)
    assert config.json()["last_seq"] == 0
    post({"seq": 300, "kind": "heartbeat"})
    config = api_client().get("/api/counters/device/config", headers=counter_setup.device_headers)
    assert config.json()["last_seq"] == 300
    assert post({"seq": config.json()["last_seq"] + 1, "kind": "heartbeat"}).status_code == 200


def test_the_simulator_that_lost_its_storage_continues_above_the_server(counter_setup, post):
    post({"seq": 300, "kind": "heartbeat"})
    sim = InProcessSim(counter_setup)  # fresh state: its own counter says 0
    sim.start()
    status, answer = sim.heartbeat()
    assert (status, answer["seq"], answer["duplicate"]) == (200, 301, False)


def test_a_counter_bricked_before_the_limit_was_enforced_is_unbricked(counter_setup, post):
    post({"seq": 12, "kind": "heartbeat"})
    DeviceEvent.objects.create(counter=counter_setup.counter, seq=MAX_SEQ, kind="heartbeat")
    Counter.objects.filter(pk=counter_setup.counter.pk).update(last_seq=MAX_SEQ)
    assert post({"seq": 13, "kind": "heartbeat"}).status_code == 409

    migration = importlib.import_module(
        "omniretail.counters.migrations.0003_unbrick_sequence_at_limit"
    )
    migration.unbrick(django_apps, None)

    assert post({"seq": 13, "kind": "heartbeat"}).json()["last_seq"] == 13


def test_a_sequence_reused_with_another_time_is_another_body(counter_setup, post):
    """A retry repeats the whole body (docs/counter-protocol.md); the same `seq` with
    another `at` is a different event and is refused, not taken for the retry."""
    first = {"seq": 5, "kind": "heartbeat", "at": 1795000000}
    assert post(first).json()["duplicate"] is False

    assert post(first).json()["duplicate"] is True
    resp = post({**first, "at": 1795000060})
    assert resp.status_code == 409
    assert resp.json()["error"]["details"] == {"last_seq": 5}
