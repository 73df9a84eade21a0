"""Sessions as a signed-in request reads them (core.sessions: Django's database sessions with
a raw read)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from omniretail.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_kept_session_is_read_back_with_chinese_text():
    kept = SessionStore()
    kept["cart_note"] = "请在门口等我"
    kept.create()
    assert SessionStore(kept.session_key)["cart_note"] == "请在门口等我"


def test_an_expired_or_unknown_session_reads_as_empty_and_gets_a_new_key():
    kept = SessionStore()
    kept["cart_note"] = "过期"
    kept.create()
    Session.objects.filter(pk=kept.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    for key in (kept.session_key, "x" * 32):
        store = SessionStore(key)
        assert store.get("cart_note") is None
        assert store.session_key is None  # a save makes a new session, never reuses the key
