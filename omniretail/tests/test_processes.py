"""How the processes start, as an operator runs them: `omniretail migrate` is the release
step and `serve` refuses an unmigrated database; the demo on another port tells every URL it
prints and the payment gateway that port; a web process on PostgreSQL takes its
connections from a pool instead of opening one per request."""

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.request

import pytest
from django.db import connection

from omniretail.testing.server import CLI, SECRET_KEY, database_env, free_port


def fresh_env(data_dir, **extra) -> dict:
    """The environment of a newcomer's first run: an empty data directory, SQLite, no
    public base URL configured."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "OMNI_PUBLIC_BASE_URL"}}
    env.pop("OMNI_SQLITE_PATH", None)
    return {**env, "OMNI_DATA_DIR": str(data_dir), "SECRET_KEY": SECRET_KEY, **extra}


def test_serve_on_an_unmigrated_database_asks_for_the_release_step_and_changes_nothing(
    tmp_path,
):
    started = subprocess.run(
        [*CLI, "serve", "--no-worker", "--port", str(free_port())],
        env=fresh_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 1
    assert "Traceback" not in started.stderr
    lines = started.stderr.strip().splitlines()
    assert len(lines) == 1, started.stderr
    assert "omniretail migrate" in lines[0]
    database = tmp_path / "omniretail.sqlite3"
    tables = (
        sqlite3.connect(database).execute("SELECT name FROM sqlite_master").fetchall()
        if database.exists()
        else []
    )
    assert tables == []


DEMO_THEN_PAY = """
from omniretail import cli
cli.main(["demo", "--port", "8606", "--no-serve"])

from omniretail.payments import services as payments
from omniretail.payments.sandbox_gateway.models import SandboxCharge

intent = payments.create_intent(
    purpose="demo", reference="port-check", amount="9.90", payer=None, provider="sandbox_gateway"
)
started = payments.start_payment(intent=intent, return_url="/me/")
charge = SandboxCharge.objects.get(public_id=started.provider_reference)
print("gateway checkout:", started.redirect_url)
print("gateway callback:", charge.notify_url)
"""


@pytest.mark.sqlite(reason="the demo runs on its own SQLite whatever the layer's database")
def test_the_demo_on_another_port_gives_that_port_to_every_url_and_to_the_gateway(tmp_path):
    """A fresh data directory: the demo migrates, collects the static files, loads the city
    and prints its URLs; a payment opened then goes to the gateway on the same port."""
    run = subprocess.run(
        [sys.executable, "-c", DEMO_THEN_PAY],
        env=fresh_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    urls = re.findall(r"https?://[^\s/]+", run.stdout)
    assert urls and set(urls) == {"http://127.0.0.1:8606"}, sorted(set(urls))
    for label in ("H5 mall:", "kiosk screen:", "simulator:", "gateway checkout:"):
        assert re.search(rf"{label}.*http://127\.0\.0\.1:8606\b", run.stdout), label
    assert "gateway callback: http://127.0.0.1:8606/api/payments/callbacks/" in run.stdout
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert re.fullmatch(r"plotly/plotly\.min\.[0-9a-f]{12}\.js", manifest["paths"][PLOTLY])


PLOTLY = "plotly/plotly.min.js"
SERVER_NAME = "omni-pool-test"


def _sessions_opened(database: str) -> int:
    """Sessions ever established to `database` (PostgreSQL counts them at connect)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s", [database])
        return cursor.fetchone()[0]


def _server_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [SERVER_NAME]
        )
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_requests_to_a_web_process_open_no_more_sessions_than_its_pool(serve):
    db = connection.settings_dict
    pool_max = 3
    before = _sessions_opened(db["NAME"])
    server = serve(
        **database_env(application_name=SERVER_NAME),
        OMNI_DB_POOL_MIN="1",
        OMNI_DB_POOL_MAX=str(pool_max),
    )
    for _ in range(50):
        with urllib.request.urlopen(server.url + "/api/catalog/categories", timeout=10) as answer:
            assert answer.status == 200 and json.loads(answer.read()) == []
    server.stop()
    # Every session the server had is gone (and has reported its connect), then count.
    deadline = time.monotonic() + 20
    while _server_sessions() and time.monotonic() < deadline:
        time.sleep(0.1)
    opened = _sessions_opened(db["NAME"]) - before
    # the pool's, and one of the start-up check (closed before the server starts)
    assert 1 <= opened <= pool_max + 1


def test_a_server_process_has_the_search_dictionary_loaded_before_its_first_request(tmp_path):
    """Issue 22: jieba loaded its dictionary on the first search of each worker (0.5–1.9 s
    for that shopper); the ASGI application now loads it as the process starts."""
    probe = (
        "import jieba; assert not jieba.dt.initialized; "
        "import omniretail.asgi; print(jieba.dt.initialized)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe],
        env=fresh_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert loaded.stdout.strip() == "True", loaded.stderr
