"""The suite's pytest plugin (registered by the root conftest): the database and Redis markers
skip what this run's settings cannot run, so a test module only names what it needs; and the
fixtures that tests of several apps share."""

import pytest

# marker -> (does this run have it?, why the test is skipped without it)
NEEDS = {
    "postgres": (
        lambda: _vendor() == "postgresql",
        "needs PostgreSQL: set DATABASE_URL (`make test` runs a PostgreSQL layer)",
    ),
    "sqlite": (lambda: _vendor() == "sqlite", "SQLite only: PostgreSQL does this itself"),
    "redis": (
        lambda: bool(_settings().REDIS_URL),
        "needs Redis: set REDIS_URL (`make test` gives the PostgreSQL layer one)",
    ),
}


def _settings():
    from django.conf import settings

    return settings


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


def pytest_collection_modifyitems(config, items):
    for item in items:
        for name, (available, reason) in NEEDS.items():
            marker = item.get_closest_marker(name)
            if marker and not available():  # a test may say why itself: mark.sqlite(reason=)
                item.add_marker(pytest.mark.skip(reason=marker.kwargs.get("reason", reason)))
                break


@pytest.fixture
def live(live_server, settings, transactional_db):
    """Django's live server on a committed database, as a browser or the sandbox gateway sees
    the platform: links and the gateway's callbacks lead to it, events are delivered right
    after each commit by the committing process (`inline`) and the gateway sends each
    callback once, on time, whatever the shell's OMNI_EVENTS_DELIVERY and
    OMNI_SANDBOX_CHAOS_*. A module that needs more overrides it:
    `def live(live, settings): settings.X = ...; return live`."""
    settings.OMNI_PUBLIC_BASE_URL = live_server.url
    settings.OMNI_EVENTS_DELIVERY = "inline"
    settings.OMNI_SANDBOX_CHAOS = {"duplicate": 0.0, "delay_s": 0.0, "out_of_order": 0.0}
    return live_server


@pytest.fixture
def serve(tmp_path):
    """serve(**env) -> a started `omniretail serve --no-worker` (testing.server.Server) on the
    test database, which needs a committed one (transactional_db) the process can share;
    stopped after the test."""
    from omniretail.testing.server import Server

    servers = []

    def start(**env: str) -> Server:
        server = Server(tmp_path, **env)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()
