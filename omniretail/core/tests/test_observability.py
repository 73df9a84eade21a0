"""What an operator watches: the probes a load balancer asks, the metrics Prometheus scrapes
and the request id that ties a request's log lines to those of the task it queued."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from omniretail.codes.models import CodeBatch
from omniretail.codes.tasks import generate_batch_task
from omniretail.core.logs import JsonFormatter
from omniretail.core.tests.prometheus import requests_counted, scrape


def subprocess_env(tmp_path, **extra) -> dict:
    """A fresh process configured as in production, on its own data directory."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DEBUG="0",
        OMNI_DATA_DIR=str(tmp_path),
        SECRET_KEY="k" * 50,
        DJANGO_SETTINGS_MODULE="omniretail.settings",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


def run_python(script: str, env: dict) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done


# ---------------------------------------------------------------- probes


def test_healthz_answers_without_the_database_and_whatever_the_host():
    # No django_db mark: any query here would fail the test. A probe names the pod by IP.
    response = Client(HTTP_HOST="10.0.3.7:8000").get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_lists_every_dependency_as_ok():
    response = Client(HTTP_HOST="10.0.3.7:8000").get("/readyz")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "cache": "ok"},
    }


READYZ = """
import django
django.setup()
from django.test import Client
from django_tasks_db.models import DBTaskResult
response = Client().get("/readyz", headers={"X-Request-ID": "probe-7"})
print(response.status_code, response.content.decode())
"""


def test_readyz_is_503_naming_the_database_when_it_cannot_be_reached_and_logs_json(tmp_path):
    env = subprocess_env(
        tmp_path,
        OMNI_SQLITE_PATH=str(tmp_path / "no-such-dir" / "db.sqlite3"),
        OMNI_LOG_FORMAT="json",
    )

    done = run_python(READYZ, env)

    status, body = done.stdout.strip().split(" ", 1)
    assert status == "503"
    checks = json.loads(body)["checks"]
    assert checks["database"] == "fail: OperationalError" and checks["storage"] == "ok"
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    (warning,) = [e for e in lines if "readiness check database failed" in e["message"]]
    assert warning["level"] == "WARNING" and warning["request_id"] == "probe-7"
    assert warning["logger"] == "omniretail.core.observability"


# ---------------------------------------------------------------- /metrics


@pytest.mark.django_db
def test_each_view_is_timed_under_its_name_never_its_path(product_on_sale):
    before = scrape()

    assert Client().get("/").status_code == 200
    assert Client().get(f"/p/{product_on_sale.public_id}/").status_code == 200
    assert Client().get("/p/01NOSUCHPRODUCT000000000000/").status_code == 404
    assert Client().get("/static/web/app.css").status_code == 200
    assert Client().get("/no/such/page/").status_code == 404

    after = scrape()
    assert requests_counted(after, "web:home") == requests_counted(before, "web:home") + 1
    assert requests_counted(after, "web:product") == requests_counted(before, "web:product") + 1
    assert (
        requests_counted(after, "web:product", status="4xx")
        == requests_counted(before, "web:product", status="4xx") + 1
    )
    assert requests_counted(after, "static") == requests_counted(before, "static") + 1
    assert (
        requests_counted(after, "unresolved", status="4xx")
        == requests_counted(before, "unresolved", status="4xx") + 1
    )
    assert not [k for k in after if any(product_on_sale.public_id in v for _n, v in k[1])]


def test_an_api_route_with_two_methods_times_each_under_its_own_name(api_client, shopper):
    """GET and POST /api/auth/tokens are two operations on one route: a token's creation is
    timed as `api:create_token`, not under the listing's name."""
    before = scrape()
    client = api_client(shopper)
    assert client.get("/api/auth/tokens").status_code == 200
    assert client.post("/api/auth/tokens", {"name": "收银台 平板"}).status_code == 201

    after = scrape()
    listed, created = "api:list_tokens", "api:create_token"
    assert requests_counted(after, listed) == requests_counted(before, listed) + 1
    assert requests_counted(after, created, "POST") == (
        requests_counted(before, created, "POST") + 1
    )
    assert requests_counted(after, listed, "POST") == requests_counted(before, listed, "POST")


@pytest.fixture
def product_on_sale(sku):
    return sku.product


@pytest.mark.django_db
def test_metrics_hold_the_outbox_and_the_task_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    generate_batch_task.enqueue(1)  # queued, not run: no worker here
    samples = scrape()

    assert (
        samples[("omniretail_task_queue_depth", (("backend", "default"), ("queue", "default")))]
        == 1
    )
    assert samples[("omniretail_outbox_pending", ())] == 0
    assert samples[("omniretail_outbox_dead", ())] == 0
    assert samples[("omniretail_outbox_lag_seconds", ())] == 0
    assert samples[("omniretail_business_metrics_up", ())] == 1


@pytest.mark.django_db
def test_metrics_are_refused_to_an_untrusted_client_without_the_token(settings):
    settings.OMNI_METRICS_TOKEN = "scrape-Rb7x2"
    outsider = Client(REMOTE_ADDR="203.0.113.9")

    assert outsider.get("/metrics").status_code == 403
    assert outsider.get("/metrics", headers={"Authorization": "Bearer guess"}).status_code == 403
    # Loopback, but forwarded by a proxy the settings do not know of: a public client.
    forwarded = Client().get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
    assert forwarded.status_code == 403
    assert scrape(outsider, Authorization="Bearer scrape-Rb7x2")
    assert scrape(Client())  # from this machine


MULTIPROCESS = """
import sys
import django
django.setup()
from django.test import Client
from django_tasks_db.models import DBTaskResult
assert Client(HTTP_HOST="127.0.0.1").get("/i18n/setlang/").status_code == 302
if sys.argv[1] == "scrape":
    print(Client().get("/metrics").content.decode())
"""


def test_with_a_multiprocess_directory_every_process_counts(tmp_path):
    (tmp_path / "prom").mkdir()
    env = subprocess_env(tmp_path, PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "prom"))

    run_python(MULTIPROCESS.replace("sys.argv[1]", "'request'"), env)
    done = run_python(MULTIPROCESS.replace("sys.argv[1]", "'scrape'"), env)

    families = {f.name: f for f in text_string_to_metric_families(done.stdout)}
    counts = [
        s.value
        for s in families["omniretail_http_request_duration_seconds"].samples
        if s.name.endswith("_count") and s.labels["view"] == "set_language"
    ]
    assert counts == [2]


# ---------------------------------------------------------------- request ids


@pytest.mark.django_db
def test_a_request_id_reaches_the_request_and_the_task_it_queued(
    settings, api_client, producer_staff, sku, caplog
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with caplog.at_level(logging.INFO, logger="omniretail"):
        response = api_client(producer_staff).post(
            "/api/codes/batches",
            {"sku": sku.public_id, "quantity": 5},
            headers={"X-Request-ID": "abc123"},
        )
    assert response.status_code == 201, response.content
    assert response["X-Request-ID"] == "abc123"
    (access,) = [r for r in caplog.records if r.name == "omniretail.access"]
    assert access.request_id == "abc123" and access.view.endswith("order_batch")
    entry = json.loads(JsonFormatter().format(access))
    assert entry["request_id"] == "abc123" and entry["status"] == 201
    caplog.clear()

    # Later a worker, outside any request, runs the queued row as db_worker does.
    (queued,) = DBTaskResult.objects.all()
    with caplog.at_level(logging.INFO, logger="omniretail"):
        queued.task.call(*queued.task_result.args, **queued.task_result.kwargs)

    assert CodeBatch.objects.get().generated == 5
    task_lines = [r for r in caplog.records if r.name == "omniretail.tasks"]
    assert [r.getMessage().split()[2] for r in task_lines] == ["started", "done"]
    assert {r.request_id for r in task_lines} == {"abc123"}


def test_an_insane_request_id_is_replaced_not_logged(db):
    response = Client().get("/healthz", headers={"X-Request-ID": "evil\nFAKE LOG LINE"})

    assert response["X-Request-ID"] != "evil\nFAKE LOG LINE"
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.parametrize(
    ("name", "value"),
    [("OMNI_LOG_FORMAT", "yaml"), ("OMNI_METRICS_ALLOWED_IPS", "127.0.0.1,10.0.0.300/8")],
)
def test_a_malformed_setting_stops_the_start_naming_it(tmp_path, name, value):
    env = subprocess_env(tmp_path, **{name: value})
    done = subprocess.run(
        [sys.executable, "-c", "import omniretail.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode != 0
    assert f"ImproperlyConfigured: {name} must be" in done.stderr.splitlines()[-1]
