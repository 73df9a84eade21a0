"""A pairing link opens one screen, whichever web process each screen reaches: the one-use
mark lives in the shared cache (Redis with REDIS_URL, else a database table), never in one
process's memory. Each thread below has its own cache client, as each process would."""

import os
import subprocess
import sys

import pytest
from django.core.cache import caches

from omniretail.core.errors import PermissionDenied
from omniretail.counters import kiosk
from omniretail.testing.server import database_env

pytestmark = pytest.mark.django_db(transaction=True)

CACHES = {
    "database": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "omni_cache",
    },
    "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache"},
}


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def shared_cache(request, settings):
    cache = dict(CACHES[request.param])
    if request.param == "redis":
        cache.update(LOCATION=settings.REDIS_URL, KEY_PREFIX=settings.OMNI_REDIS_PREFIX)
    settings.CACHES = {"default": cache}
    return request.param


def test_ten_screens_opening_one_link_at_once_pair_exactly_one(shared_cache, counter_setup, race):
    token, _expires = kiosk.pairing_token(actor=counter_setup.staff, counter=counter_setup.counter)
    clients = []  # the clients themselves: a freed one's id() may be given to the next

    def open_link(i):
        clients.append(caches["default"])
        return kiosk.pair(counter=counter_setup.counter, token=token)

    outcomes = race(10, open_link)

    passes = [o for o in outcomes if isinstance(o, str)]
    refused = [o for o in outcomes if isinstance(o, PermissionDenied)]
    assert len(passes) == 1 and len(refused) == 9, outcomes
    assert len({id(c) for c in clients}) == 10  # ten cache clients, as ten processes have
    assert kiosk.counter_for_pass(counter=counter_setup.counter, value=passes[0])


OPEN_IN_ANOTHER_PROCESS = """
import django, sys
django.setup()
from omniretail.core.errors import PermissionDenied
from omniretail.counters import kiosk
from omniretail.counters.models import Counter
try:
    kiosk.pair(counter=Counter.objects.get(code="HZ-001"), token=sys.argv[1])
    print("paired")
except PermissionDenied:
    print("refused")
"""


def test_a_link_spent_in_one_process_is_refused_in_another(shared_cache, counter_setup, settings):
    token, _expires = kiosk.pairing_token(actor=counter_setup.staff, counter=counter_setup.counter)
    assert kiosk.pair(counter=counter_setup.counter, token=token)

    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="omniretail.settings", SECRET_KEY=settings.SECRET_KEY)
    env.update(database_env())
    if shared_cache == "redis":
        env["REDIS_URL"] = settings.REDIS_URL
    other = subprocess.run(
        [sys.executable, "-c", OPEN_IN_ANOTHER_PROCESS, token],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.stdout.strip() == "refused", other.stderr
