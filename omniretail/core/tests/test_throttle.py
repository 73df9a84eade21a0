"""core.throttle: fixed windows counted in the database or in Redis, shared by every caller:
the same limits hold in either store, and a burst of threads never slips past one."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from omniretail.core import throttle
from omniretail.core.models import ThrottleCounter

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def store(request, monkeypatch):
    """Each store the settings may choose, in turn (Redis only where REDIS_URL is set)."""
    if request.param == "redis":
        counters = throttle.RedisCounters(settings.REDIS_URL, settings.OMNI_REDIS_PREFIX)
    else:
        counters = throttle.DatabaseCounters()
    monkeypatch.setattr(throttle, "BACKEND", counters)
    return counters


def test_the_hit_past_the_limit_waits_until_the_window_ends_then_counting_starts_again(store):
    now = timezone.now()
    assert [throttle.hit("t", "a", 2, 60, now=now) for _ in range(2)] == [None, None]
    assert throttle.hit("t", "a", 2, 60, now=now + timedelta(seconds=20)) == 40
    assert throttle.hit("t", "b", 2, 60, now=now) is None  # keys are counted apart
    assert throttle.hit("t", "a", 2, 60, now=now + timedelta(seconds=60)) is None


def test_undo_gives_an_attempt_back_and_lock_keeps_a_full_window_longer(store):
    now = timezone.now()
    throttle.hit("t", "a", 1, 60, now=now)
    throttle.undo("t", "a")
    assert throttle.hit("t", "a", 1, 60, now=now) is None
    assert throttle.exhausted("t", "a", 1, now=now) == 60
    throttle.lock("t", "a", 600, now=now)
    assert throttle.exhausted("t", "a", 1, now=now + timedelta(seconds=500)) == 100


def test_purge_forgets_only_windows_that_have_ended(monkeypatch):
    monkeypatch.setattr(throttle, "BACKEND", throttle.DatabaseCounters())
    now = timezone.now()
    throttle.hit("t", "old", 5, 60, now=now - timedelta(minutes=5))
    throttle.hit("t", "new", 5, 60, now=now)
    assert throttle.purge_expired(now=now) == 1
    assert list(ThrottleCounter.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_ten_threads_at_once_get_exactly_the_limit_through(store, race):
    outcomes = race(10, lambda i: throttle.hit("otp-phone", "13800138000", 3, 60))

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert outcomes.count(None) == 3  # three sent, seven told to wait
    # (a thread that read the clock before the window opened waits a second more)
    assert all(1 <= wait <= 61 for wait in outcomes if wait is not None)
    assert throttle.exhausted("otp-phone", "13800138000", 3) is not None


@pytest.mark.redis
def test_a_redis_counter_expires_with_its_window_so_nothing_needs_purging():
    counters = throttle.RedisCounters(settings.REDIS_URL, settings.OMNI_REDIS_PREFIX)
    now = time.time()
    counters.incr("login-ip", "10.0.0.9", 900, now)
    key = counters._key("login-ip", "10.0.0.9")
    assert 890 <= counters.client.ttl(key) <= 900
    counters.extend("login-ip", "10.0.0.9", now + 3600)  # a lockout keeps it longer
    assert 3590 <= counters.client.ttl(key) <= 3600
    assert counters.purge(now + 7200) == 0 and counters.get("login-ip", "10.0.0.9", now)[0] == 1


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
    from omniretail.core.scheduler import periodic_jobs

    assert throttle.purge_expired in [job.func for job in periodic_jobs().values()]
