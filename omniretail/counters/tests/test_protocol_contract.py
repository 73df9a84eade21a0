"""What docs/counter-protocol.md promises a controller written from it alone: the auth
scheme's name in any case (RFC 7235), what an acknowledgement answers (first one counts, late
ones, unknown ids), and the refusals a device gives a command it must not run."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.core.signing import sign
from omniretail.counters import commands, vending
from omniretail.counters.models import Command, DeviceEvent
from omniretail.counters.services import command_key
from omniretail.counters.tests.device import InProcessSim

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("scheme", ["counter", "COUNTER", "cOuNtEr"])
def test_the_counter_scheme_is_case_insensitive(counter_setup, api_client, scheme):
    headers = {"Authorization": f"{scheme} {counter_setup.token}"}
    resp = api_client().get("/api/counters/device/config", headers=headers)
    assert resp.status_code == 200 and resp.json()["code"] == counter_setup.counter.code


def ack(api_client, setup, command_id, status="done", reason=""):
    return api_client().post(
        f"/api/counters/device/commands/{command_id}/ack",
        {"status": status, "reason": reason},
        headers=setup.device_headers,
    )


def test_an_ack_answers_the_commands_status_and_the_first_one_counts(counter_setup, api_client):
    setup = counter_setup
    command = commands.send_ops_command(counter=setup.counter, kind="reboot")
    commands.claim(counter=setup.counter)
    first = ack(api_client, setup, command.public_id)
    assert first.status_code == 200
    assert first.json() == {"id": command.public_id, "status": "acked"}
    again = ack(api_client, setup, command.public_id, "rejected", "bad_signature")
    assert again.json() == {"id": command.public_id, "status": "acked"}


def test_an_unknown_command_id_is_a_404_with_a_code(counter_setup, api_client):
    resp = ack(api_client, counter_setup, "01JZZZZZZZZZZZZZZZZZZZZZZZ")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "unknown_command"
    assert "command" in resp.json()["error"]["fields"]


def test_late_acks(counter_setup, api_client):
    """Delivered before it expired: a late ack still counts. Never delivered and expired:
    the ack changes nothing and says so."""
    setup = counter_setup
    delivered = commands.send_ops_command(counter=setup.counter, kind="reboot")
    commands.claim(counter=setup.counter)
    never = commands.send_ops_command(counter=setup.counter, kind="reboot")
    Command.objects.filter(pk=never.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    vending.expire_unlocks()
    Command.objects.filter(pk=delivered.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert ack(api_client, setup, delivered.public_id).json()["status"] == "acked"
    assert ack(api_client, setup, never.public_id).json()["status"] == "expired"


def _resigned(wire: dict, **changes) -> dict:
    envelope = {**wire["command"], **changes}
    return {
        "command": envelope,
        "signature": sign(command_key(envelope["key_id"]), commands.canonical(envelope)),
    }


@pytest.mark.parametrize(
    ("changes", "reason"),
    [({"v": 2}, "unsupported_version"), ({"kind": "self_destruct"}, "unknown_kind")],
)
def test_the_reference_device_refuses_a_signed_command_it_does_not_know(
    counter_setup, changes, reason
):
    setup = counter_setup
    sim = InProcessSim(setup)
    sim.start()
    command = commands.send_ops_command(counter=setup.counter, kind="reboot")
    [wire] = sim.request("GET", "/commands?wait=0")[1]["commands"]
    assert sim.handle(_resigned(wire, **changes)) == reason
    command.refresh_from_db()
    assert command.status == Command.Status.REJECTED and command.result == f"rejected:{reason}"
    assert sim.state["nonces"] == {}  # nothing executed


def test_the_event_time_is_a_json_integer(counter_setup, api_client):
    resp = api_client().post(
        "/api/counters/device/events",
        {"seq": 1, "kind": "heartbeat", "at": "1795000000"},
        headers=counter_setup.device_headers,
    )
    assert resp.status_code == 422 and list(resp.json()["error"]["fields"]) == ["at"]
    assert not DeviceEvent.objects.exists()
