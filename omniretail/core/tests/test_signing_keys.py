"""Keys: production refuses to start without the SECRET_KEY every host shares; the signing
key ring grows by `omniretail rotate-signing-key`, which never shows a secret."""

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from omniretail import cli
from omniretail.core import signing
from omniretail.core.models import SigningKey


def _run(tmp_path, **env):
    base = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "OMNI_EMBEDDED"}}
    base.update({"OMNI_DATA_DIR": str(tmp_path), "DEBUG": "0", **env})
    base.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "omniretail.cli", "check"],
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_secret_key_and_debug_off_the_start_stops_with_one_clear_line(tmp_path):
    done = _run(tmp_path)
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "SECRET_KEY" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "secret_key").exists()  # nothing generated behind the operator's back


def test_with_secret_key_or_debug_the_start_goes_on(tmp_path):
    assert _run(tmp_path, SECRET_KEY="production-" + "k" * 50).returncode == 0
    debug = _run(tmp_path, DEBUG="1")
    assert debug.returncode == 0, debug.stderr
    assert (tmp_path / "secret_key").exists()  # a trial on one machine: generated into var/


def test_the_embedded_demo_runs_on_the_generated_key(monkeypatch):
    monkeypatch.delenv("OMNI_EMBEDDED", raising=False)
    seen = {}
    monkeypatch.setattr(cli, "_django", lambda: seen.setdefault("env", os.environ.copy()))
    monkeypatch.setattr(cli, "demo", lambda *args, **kwargs: None)
    cli.main(["demo", "--no-serve"])
    assert seen["env"].get("OMNI_EMBEDDED") == "1"


@pytest.mark.django_db
def test_rotate_signing_key_adds_a_key_and_prints_its_id_never_its_secret():
    before = set(SigningKey.objects.values_list("kid", flat=True))
    out = io.StringIO()
    call_command("rotate_signing_key", stdout=out)
    (added,) = SigningKey.objects.exclude(kid__in=before)
    assert added.kid in out.getvalue() and added.secret not in out.getvalue()
    assert len(added.kid) == signing.KID_LENGTH and len(added.secret) >= 43
    assert set(SigningKey.objects.values_list("kid", flat=True)) == before | {added.kid}
    # every key still verifies; the new one signs once every process can know it
    assert added.signs_from > added.created_at
