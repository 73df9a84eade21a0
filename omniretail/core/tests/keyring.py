"""Test helpers for the signing key ring: rotate it as an operator does, and move the clock
past a new key's activation."""

import io
import time

import pytest
from django.core.management import call_command

from omniretail.core import signing
from omniretail.core.models import SigningKey

# The SECRET_KEY the pre-key-ring tokens of the tests were captured under.
LEGACY_SECRET = "printed-before-key-rings-0123456789-abcdefghijklmnopqrstuv"


def rotate() -> str:
    """`omniretail rotate-signing-key`; the id of the key it printed."""
    out = io.StringIO()
    call_command("rotate_signing_key", stdout=out)
    (kid,) = [k for k in SigningKey.objects.values_list("kid", flat=True) if k in out.getvalue()]
    return kid


@pytest.fixture(name="later")
def later_fixture(monkeypatch):
    """later() moves the clock past a new key's activation (every process has read it)."""

    def move():
        now = time.time()
        monkeypatch.setattr(signing.time, "time", lambda: now + signing.KEY_ACTIVATION_S + 1)

    return move
