"""`omniretail counter-conformance` walks the device protocol against a live server with a
counter's credential: every check passes on this server (camera snapshots and a repair's
`vehicle_left` included) and the reference simulator refuses every tampered command with the
documented reason and attaches its camera's JPEG; and a controller holding the wrong command
key is told the signatures do not verify."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from omniretail.accounts.services import issue_api_token
from omniretail.counters import repairs
from omniretail.counters.models import Command, DeviceEvent, RepairTicket, Snapshot

CLI = str(Path(sys.executable).parent / "omniretail")

pytestmark = pytest.mark.django_db(transaction=True)


def conformance(live_server, setup, *extra):
    return subprocess.run(
        [
            CLI,
            "counter-conformance",
            "--url",
            live_server.url,
            "--credential",
            setup.token,
            "--wait",
            "1",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_suite_passes_every_check_against_this_server(live_server, counter_setup):
    setup = counter_setup
    staff_token = issue_api_token(user=setup.staff, name="conformance")[1]
    ticket = repairs.book_repair(
        shopper=setup.member,
        counter=setup.counter,
        vehicle_serial="YD2024EV0001",
        plate="浙A·D1234",
        fault="刹车异响",
        photos=[],
        drop_off_at=timezone.now() + timedelta(hours=1),
    )
    repairs.check_in(shopper=setup.member, ticket=ticket, scanned=setup.counter.code)
    run = conformance(
        live_server,
        setup,
        "--command-key",
        setup.key,
        "--staff-token",
        staff_token,
        "--simulator",
        "--ticket",
        ticket.public_id,
    )
    lines = run.stdout.splitlines()
    assert run.returncode == 0, run.stdout + run.stderr
    assert not [line for line in lines if line.startswith(("FAIL", "SKIP"))], run.stdout
    for name in (
        "PASS config",
        "PASS seq 2^62 is refused (422 on seq)",
        "PASS door_closed must list every bay (422 bays_missing)",
        "PASS door_closed may list a bay once (422 bay_listed_twice)",
        "PASS the same seq with another body is 409 stale_sequence with details.last_seq",
        "HMAC-SHA256 signature over the canonical JSON",
        "ack done answers acked",
        "the device refuses bad_signature",
        "the device refuses wrong_counter",
        "the device refuses expired",
        "the device refuses unsupported_version",
        "the device refuses unknown_kind",
        "PASS snapshot: a JPEG within 1 MB is stored (201 SnapshotOut)",
        "PASS snapshot: a retry answers 200 with the stored one",
        "PASS snapshot: a PNG is refused (422 on image)",
        "PASS snapshot: over 1 MB is refused (422 on image)",
        "PASS snapshot: a heartbeat takes none (422 on seq)",
        "PASS snapshot: an event never sent is 404 unknown_event",
        "PASS vehicle_left naming no repair of this counter is 422 unknown_ticket",
        "PASS vehicle_left answers repair {ticket, step}",
        "PASS vehicle_left: the simulator's snapshot names the repair",
        "PASS vehicle_left is idempotent (the same step again)",
    ):
        assert any(name in line for line in lines), name
    # what it wrote: heartbeats, one door_closed, a scan and a presence with their snapshots
    # and the repair's vehicle_left (twice) with the simulator's; the command it pushed, acked
    assert set(DeviceEvent.objects.values_list("kind", flat=True)) == {
        "door_closed",
        "heartbeat",
        "scan",
        "presence",
        "vehicle_left",
    }
    assert sorted(Snapshot.objects.values_list("event__kind", flat=True)) == [
        "presence",
        "scan",
        "vehicle_left",
    ]
    assert Snapshot.objects.get(event__kind="vehicle_left").ticket == ticket
    ticket.refresh_from_db()
    assert ticket.step == RepairTicket.Step.DROPPED_OFF
    assert Command.objects.get(kind="show_content").status == "acked"


def test_a_wrong_command_key_fails_the_signature_check(live_server, counter_setup):
    setup = counter_setup
    staff_token = issue_api_token(user=setup.staff, name="conformance")[1]
    run = conformance(live_server, setup, "--command-key", "00" * 32, "--staff-token", staff_token)
    assert run.returncode == 1
    failed = [line for line in run.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and "signature does not verify" in failed[0], run.stdout
    assert "1 failed" in run.stdout.splitlines()[-1]
