"""core.throttle: fixed windows counted in the database, shared by every caller."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from omniretail.core import throttle
from omniretail.core.models import ThrottleCounter

pytestmark = pytest.mark.django_db


def test_the_hit_past_the_limit_waits_until_the_window_ends_then_counting_starts_again():
    now = timezone.now()
    assert [throttle.hit("t", "a", 2, 60, now=now) for _ in range(2)] == [None, None]
    assert throttle.hit("t", "a", 2, 60, now=now + timedelta(seconds=20)) == 40
    assert throttle.hit("t", "b", 2, 60, now=now) is None  # keys are counted apart
    assert throttle.hit("t", "a", 2, 60, now=now + timedelta(seconds=60)) is None


def test_undo_gives_an_attempt_back_and_lock_keeps_a_full_window_longer():
    now = timezone.now()
    throttle.hit("t", "a", 1, 60, now=now)
    throttle.undo("t", "a")
    assert throttle.hit("t", "a", 1, 60, now=now) is None
    assert throttle.exhausted("t", "a", 1, now=now) == 60
    throttle.lock("t", "a", 600, now=now)
    assert throttle.exhausted("t", "a", 1, now=now + timedelta(seconds=500)) == 100


def test_purge_forgets_only_windows_that_have_ended():
    now = timezone.now()
    throttle.hit("t", "old", 5, 60, now=now - timedelta(minutes=5))
    throttle.hit("t", "new", 5, 60, now=now)
    assert throttle.purge_expired(now=now) == 1
    assert list(ThrottleCounter.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.9"),  # no proxy: a client's header is ignored
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # the entry our proxy appended, not the forged one
        (2, "6.6.6.6, 1.2.3.4, 10.0.0.2", "1.2.3.4"),
        (2, "1.2.3.4", "10.0.0.9"),  # fewer entries than proxies: not from our proxies
    ],
)
def test_client_ip_trusts_only_what_our_proxies_appended(settings, proxies, forwarded, expected):
    settings.OMNI_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert throttle.client_ip(request) == expected


def test_the_worker_purges_ended_windows():
    from omniretail.cli import _housekeeping_jobs

    assert throttle.purge_expired in _housekeeping_jobs()
