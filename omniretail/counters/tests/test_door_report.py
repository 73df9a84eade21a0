"""A door-close report counts every bay once (docs/counter-protocol.md, section 3): a report
that leaves a bay out or lists one twice is refused with a code and the fields at fault, and
nothing of it is kept: the vend stays open, the sequence number is not used up."""

import pytest

from omniretail.counters.models import Counter, DeviceEvent, StaffTask, Vend
from omniretail.counters.tests.device import InProcessSim
from omniretail.orders.models import Order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def open_vend(counter_setup, api_client):
    """A paid vend whose door the shopper has opened and not yet shut."""
    setup = counter_setup
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    sim.leave_door_open = True
    resp = api_client(setup.member).post(
        f"/api/counters/{setup.counter.code}/purchases",
        {"bay": "1", "quantity": 1},
        headers={"Idempotency-Key": "door-report"},
    )
    assert resp.status_code == 201
    assert sim.poll(0) == 1
    vend = Vend.objects.get(public_id=resp.json()["id"])
    assert vend.status == Vend.Status.OPEN
    return sim, vend


def close(sim, bays):
    return sim.request(
        "POST",
        "/events",
        {"seq": sim.state["seq"] + 1, "kind": "door_closed", "data": {"bays": bays}},
    )


def assert_nothing_kept(sim, vend, events_before):
    vend.refresh_from_db()
    assert vend.status == Vend.Status.OPEN and vend.taken is None
    assert Order.objects.get(pk=vend.order_id).status != Order.Status.COMPLETED
    assert Counter.objects.get(pk=vend.counter_id).last_seq == sim.state["seq"]
    assert DeviceEvent.objects.count() == events_before
    assert not StaffTask.objects.filter(kind=StaffTask.Kind.STOCK_EXCEPTION).exists()


def test_a_report_that_leaves_a_bay_out_is_refused(open_vend):
    sim, vend = open_vend
    events = DeviceEvent.objects.count()
    status, body = close(sim, [{"bay": "1", "quantity": 3}])
    assert status == 422
    assert body["error"]["code"] == "bays_missing"
    assert "data.bays" in body["error"]["fields"]
    assert body["error"]["details"] == {"missing": ["2"]}
    assert_nothing_kept(sim, vend, events)
    # the same number with the whole count is then accepted and settles the vend
    status, body = close(sim, [{"bay": "1", "quantity": 3}, {"bay": "2", "quantity": 2}])
    assert status == 200 and body["settled"] == [vend.public_id]


def test_a_report_that_lists_a_bay_twice_is_refused(open_vend):
    sim, vend = open_vend
    events = DeviceEvent.objects.count()
    twice = [
        {"bay": "1", "quantity": 4},
        {"bay": "2", "quantity": 2},
        {"bay": "1", "quantity": 3},
    ]
    status, body = close(sim, twice)
    assert status == 422
    assert body["error"]["code"] == "bay_listed_twice"
    assert list(body["error"]["fields"]) == ["data.bays.2.bay"]
    assert body["error"]["details"] == {"bay": "1"}
    assert_nothing_kept(sim, vend, events)
