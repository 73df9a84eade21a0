"""Credential rotation: while the old credential is not revoked, a controller that has not
installed the new one still gets commands it can verify (signed with the key of the
credential it polls with, whose id each command names); the overlap ends by itself after
OMNI_COUNTER_ROTATION_OVERLAP_S, and a refused credential says why in machine terms."""

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from freezegun import freeze_time

from omniretail.counters import commands, services
from omniretail.counters.models import Command, Counter, Credential, DeviceEvent
from omniretail.counters.services import command_key
from omniretail.counters.tests.device import InProcessSim

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_credential_polls_commands_signed_with_its_own_key(counter_setup):
    setup = counter_setup
    new, new_token = services.issue_credential(actor=setup.staff, counter=setup.counter)
    old_device = InProcessSim(setup)
    new_device = InProcessSim(SimpleNamespace(token=new_token, key=command_key(new.key_id).hex()))
    old_key_id = setup.token.partition(".")[0]

    for device, key_id in ((old_device, old_key_id), (new_device, new.key_id)):
        device.start()
        command = commands.send_ops_command(counter=setup.counter, kind="reboot")
        status, body = device.request("GET", "/commands?wait=0")
        assert status == 200
        [delivered] = body["commands"]
        assert delivered["command"]["key_id"] == key_id
        assert device.handle(delivered) == ""  # verified and executed
        command.refresh_from_db()
        assert command.status == Command.Status.ACKED


def _issue(api_client, setup) -> dict:
    resp = api_client(setup.staff).post(f"/api/counters/{setup.counter.code}/credentials")
    assert resp.status_code == 201, resp.json()
    return resp.json()


def _config(api_client, token):
    headers = {"Authorization": f"Counter {token}"}
    return api_client().get("/api/counters/device/config", headers=headers)


def test_a_new_credential_retires_the_old_one_when_the_overlap_ends(
    counter_setup, api_client, settings
):
    settings.OMNI_COUNTER_ROTATION_OVERLAP_S = 3600
    setup = counter_setup
    old_key_id = setup.token.partition(".")[0]
    with freeze_time("2026-12-05 08:00:00") as clock:
        issued = _issue(api_client, setup)
        end = int(timezone.now().timestamp()) + 3600
        assert [r["key_id"] for r in issued["replaces"]] == [old_key_id]
        assert issued["overlap_s"] == 3600
        # both work during the overlap; the old one tells its device when it stops
        assert _config(api_client, setup.token).json()["credential"] == {
            "key_id": old_key_id,
            "expires_at": end,
        }
        assert _config(api_client, issued["token"]).json()["credential"]["expires_at"] is None
        clock.tick(3599)
        assert _config(api_client, setup.token).status_code == 200
        clock.tick(1)
        refused = _config(api_client, setup.token)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "credential_revoked"
        assert refused.json()["error"]["details"] == {
            "key_id": old_key_id,
            "reason": "rotated",
            "revoked_at": end,
        }
        assert _config(api_client, issued["token"]).status_code == 200
        # the worker's sweep writes the revocation down, once
        assert services.retire_credentials() == 1
        assert services.retire_credentials() == 0
        assert Credential.objects.get(key_id=old_key_id).revoked_at == timezone.now()


def test_revoking_a_credential_already_rotated_out_keeps_the_date_it_ended(
    counter_setup, api_client, settings
):
    settings.OMNI_COUNTER_ROTATION_OVERLAP_S = 60
    setup = counter_setup
    old_key_id = setup.token.partition(".")[0]
    _issue(api_client, setup)
    ended = Credential.objects.get(key_id=old_key_id).expires_at
    with freeze_time(ended + timedelta(hours=1)):
        staff = api_client(setup.staff)
        staff.post(f"/api/counters/{setup.counter.code}/credentials/{old_key_id}/revoke")
        details = _config(api_client, setup.token).json()["error"]["details"]
    assert details["reason"] == "rotated"
    assert details["revoked_at"] == int(ended.timestamp())


def test_a_credential_revoked_in_the_overlap_is_refused_with_a_code_and_changes_nothing(
    counter_setup, api_client
):
    setup = counter_setup
    old_key_id = setup.token.partition(".")[0]
    issued = _issue(api_client, setup)
    staff = api_client(setup.staff)
    resp = staff.post(f"/api/counters/{setup.counter.code}/credentials/{old_key_id}/revoke")
    assert resp.status_code == 200
    refused = api_client().post(
        "/api/counters/device/events",
        {"seq": 1, "kind": "heartbeat"},
        headers=setup.device_headers,
    )
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["code"] == "credential_revoked"
    assert error["details"]["key_id"] == old_key_id and error["details"]["reason"] == "revoked"
    assert Counter.objects.get(pk=setup.counter.pk).last_seq == 0
    assert not DeviceEvent.objects.exists()
    # the new credential carries on and its commands are signed for it
    new = InProcessSim(
        SimpleNamespace(token=issued["token"], key=issued["command_key"]),
    )
    new.start()
    commands.send_ops_command(counter=setup.counter, kind="reboot")
    status, body = new.request("GET", "/commands?wait=0")
    assert status == 200 and body["commands"][0]["command"]["key_id"] == issued["key_id"]


def test_revoking_the_new_credential_in_the_overlap_keeps_the_old_one(
    counter_setup, api_client, settings
):
    """An installation gone wrong: the operator takes the new credential back, and the
    counter must not be left without any when the overlap ends."""
    settings.OMNI_COUNTER_ROTATION_OVERLAP_S = 60
    setup = counter_setup
    issued = _issue(api_client, setup)
    staff = api_client(setup.staff)
    staff.post(f"/api/counters/{setup.counter.code}/credentials/{issued['key_id']}/revoke")
    with freeze_time(timezone.now() + timedelta(seconds=3600)):
        resp = _config(api_client, setup.token)
        assert resp.status_code == 200 and resp.json()["credential"]["expires_at"] is None


def test_the_reference_device_warns_when_its_credential_is_being_retired(counter_setup, api_client):
    setup = counter_setup
    sim = InProcessSim(setup)
    lines: list[str] = []
    sim.log = lines.append
    sim.start()
    assert lines == []
    _issue(api_client, setup)
    sim.start()
    [line] = lines
    expires_at = Credential.objects.get(key_id=setup.token.partition(".")[0]).expires_at
    assert json.loads(line) == {"credential_expires_at": int(expires_at.timestamp())}
