"""`omniretail counter-conformance` walks the device protocol against a live server with a
counter's credential: every check passes on this server and the reference simulator
refuses every tampered command with the documented reason; and a controller holding the wrong
command key is told the signatures do not verify."""

import subprocess
import sys
from pathlib import Path

import pytest

from omniretail.accounts.services import issue_api_token
from omniretail.counters.models import Command, DeviceEvent

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
    run = conformance(
        live_server, setup, "--command-key", setup.key, "--staff-token", staff_token, "--simulator"
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
    ):
        assert any(name in line for line in lines), name
    # what it wrote: heartbeats and one door_closed; the command it pushed, acknowledged
    assert set(DeviceEvent.objects.values_list("kind", flat=True)) == {"door_closed", "heartbeat"}
    assert Command.objects.get(kind="show_content").status == "acked"


def test_a_wrong_command_key_fails_the_signature_check(live_server, counter_setup):
    setup = counter_setup
    staff_token = issue_api_token(user=setup.staff, name="conformance")[1]
    run = conformance(live_server, setup, "--command-key", "00" * 32, "--staff-token", staff_token)
    assert run.returncode == 1
    failed = [line for line in run.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and "signature does not verify" in failed[0], run.stdout
    assert "1 failed" in run.stdout.splitlines()[-1]
