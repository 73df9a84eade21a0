"""A repaired vehicle collected on the kiosk's code pad (取车) is released by the counter
itself: the right code queues a signed `release` command for the vehicle (the purchase
unlock's channel: long-poll, verify, acknowledge), the device opens the vehicle's lock and
acknowledges, then reports `vehicle_left`, which completes the collection. Typing the code
again while the release is on its way queues nothing new; a release the device refuses
leaves the vehicle waiting, tells the store, and the next right code sends a new one."""

import io

import pytest
from PIL import Image

from omniretail.core.sms import read_sms_file
from omniretail.counters import sim
from omniretail.counters.models import Command, RepairStep, RepairTicket, Snapshot, StaffTask
from omniretail.counters.tests.device import InProcessSim
from omniretail.counters.tests.test_kiosk_screen import screen_for
from omniretail.counters.tests.test_repair_pickup_kiosk import PICKUP, online, returned_ticket

# the long poll is an async view with its own connection: it sees committed rows only
pytestmark = pytest.mark.django_db(transaction=True)

DEVICE = "/api/counters/device"


@pytest.fixture
def waiting(counter_setup, django_capture_on_commit_callbacks):
    """A repaired vehicle back at the online counter, its pickup code sent."""
    online(counter_setup.counter)
    return returned_ticket(counter_setup, counter_setup.counter, django_capture_on_commit_callbacks)


def poll(api_client, setup) -> list[dict]:
    answer = api_client().get(f"{DEVICE}/commands?wait=0", headers=setup.device_headers)
    assert answer.status_code == 200
    return answer.json()["commands"]


def ack(api_client, setup, command_id, status="done", reason=""):
    return api_client().post(
        f"{DEVICE}/commands/{command_id}/ack",
        {"status": status, "reason": reason},
        headers=setup.device_headers,
    )


def left(api_client, setup, seq, ticket_id):
    return api_client().post(
        f"{DEVICE}/events",
        {"seq": seq, "kind": "vehicle_left", "data": {"ticket": ticket_id}},
        headers=setup.device_headers,
    )


def releases(ticket):
    return Command.objects.filter(
        counter=ticket.counter, kind="release", envelope__args__ticket=ticket.public_id
    )


def test_the_right_code_releases_the_vehicle_and_its_departure_completes_the_collection(
    counter_setup, waiting, api_client, django_capture_on_commit_callbacks
):
    setup = counter_setup
    screen = screen_for(setup)

    answer = screen.post(PICKUP, {"code": waiting.pickup_code})

    assert answer.status_code == 200
    page = answer.content.decode()
    assert "pickup-ok" in page and "YD2024EV0001" in page and "车锁已打开" in page
    waiting.refresh_from_db()
    assert waiting.step == RepairTicket.Step.RETURNED  # not collected until it has left
    # typed again while the release is on its way: the same command, not a second one
    assert screen.post(PICKUP, {"code": waiting.pickup_code}).status_code == 200
    assert releases(waiting).count() == 1

    wires = poll(api_client, setup)
    assert [w["command"]["kind"] for w in wires] == ["release"]
    envelope = wires[0]["command"]
    assert envelope["args"] == {
        "ticket": waiting.public_id,
        "serial": "YD2024EV0001",
        "plate": "浙A·D1234",
    }
    device = InProcessSim(setup)
    device.code = setup.counter.code
    assert device.verify(wires[0]) == ""  # signed like an unlock, with the command key
    first = ack(api_client, setup, envelope["id"])
    repeat = ack(api_client, setup, envelope["id"])  # the first answer was lost
    assert first.status_code == repeat.status_code == 200
    assert first.json()["status"] == repeat.json()["status"] == "acked"

    with django_capture_on_commit_callbacks(execute=True):
        gone = left(api_client, setup, 1, waiting.public_id)
    again = left(api_client, setup, 2, waiting.public_id)

    assert gone.status_code == 200
    assert gone.json()["repair"] == {"ticket": waiting.public_id, "step": "collected"}
    assert again.status_code == 200 and again.json()["repair"]["step"] == "collected"
    waiting.refresh_from_db()
    assert waiting.step == RepairTicket.Step.COLLECTED
    collected = RepairStep.objects.filter(ticket=waiting, step="collected")
    assert collected.count() == 1 and collected.get().actor is None
    assert not StaffTask.objects.filter(
        counter=setup.counter, kind=StaffTask.Kind.REPAIR, status=StaffTask.Status.OPEN
    ).exists()
    assert any("已取车" in m["text"] for m in read_sms_file(setup.member.phone))
    assert screen.post(PICKUP, {"code": waiting.pickup_code}).status_code == 422
    assert releases(waiting).count() == 1


def test_a_departure_without_a_release_is_refused_and_uses_up_nothing(
    counter_setup, waiting, api_client
):
    setup = counter_setup

    refused = left(api_client, setup, 1, waiting.public_id)

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_released"
    waiting.refresh_from_db()
    assert waiting.step == RepairTicket.Step.RETURNED
    setup.counter.refresh_from_db()
    assert setup.counter.last_seq == 0


def test_a_release_the_device_refuses_tells_the_store_and_the_code_sends_a_new_one(
    counter_setup, waiting, api_client
):
    setup = counter_setup
    screen = screen_for(setup)
    assert screen.post(PICKUP, {"code": waiting.pickup_code}).status_code == 200
    [wire] = poll(api_client, setup)

    refused = ack(api_client, setup, wire["command"]["id"], "failed", "lock jammed")

    assert refused.json()["status"] == "rejected"
    waiting.refresh_from_db()
    assert waiting.step == RepairTicket.Step.RETURNED
    task = StaffTask.objects.get(
        counter=setup.counter, kind=StaffTask.Kind.REPAIR, status=StaffTask.Status.OPEN
    )
    assert "未能放行" in task.note and "YD2024EV0001" in task.note
    # the device cannot report a departure of a vehicle it did not release
    assert left(api_client, setup, 1, waiting.public_id).status_code == 409

    assert screen.post(PICKUP, {"code": waiting.pickup_code}).status_code == 200
    assert releases(waiting).count() == 2
    assert [w["command"]["kind"] for w in poll(api_client, setup)] == ["release"]


def test_the_reference_simulator_releases_reports_the_vehicle_gone_with_a_snapshot(
    counter_setup, waiting
):
    setup = counter_setup
    assert screen_for(setup).post(PICKUP, {"code": waiting.pickup_code}).status_code == 200
    device = InProcessSim(setup)
    device.camera = True
    device.start()

    assert device.poll(0) == 1

    waiting.refresh_from_db()
    assert waiting.step == RepairTicket.Step.COLLECTED
    assert waiting.release.status == Command.Status.ACKED
    snapshot = Snapshot.objects.get()
    assert snapshot.event.kind == "vehicle_left" and snapshot.ticket == waiting
    frame = sim.camera_frame("HZ-001")  # what its camera sends: a real JPEG within 1 MB
    assert Image.open(io.BytesIO(frame)).format == "JPEG" and len(frame) < 1024 * 1024
    # the device polled again gets nothing: the release ran once
    assert device.poll(0) == 0
