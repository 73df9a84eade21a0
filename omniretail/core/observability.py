"""Health probes, Prometheus metrics and request ids (docs/operations.md, "Observability").

`/healthz` says the process answers, `/readyz` that the database, the cache and the storage
it needs answer too. `/metrics` holds the request latency histogram per view and business
figures read from the database at each scrape (correct across processes and restarts); each
domain adds its own in a `metrics.py` whose `collect()` yields metric families. The three
are served by the middleware before anything else: no session, no allowed Host header, no
HTTPS redirect, no login."""

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterable
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse, JsonResponse
from django.utils.module_loading import module_has_submodule
from django_tasks import TaskResultStatus, task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from omniretail.core.logs import REQUEST_ID, request_id_from
from omniretail.core.selectors import outbox_stats
from omniretail.core.throttle import client_ip

logger = logging.getLogger(__name__)
access = logging.getLogger("omniretail.access")

REQUEST_SECONDS = Histogram(
    "omniretail_http_request_duration_seconds",
    "Time from the request reaching the server to its response, per view.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=None,  # registered into each scrape's registry (see _registry)
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _view_label(request) -> str:
    """The route's name (or its pattern when unnamed; on a route with several API operations,
    the name of the one the method reaches), never the raw path: a label per order number
    would be a new series per order."""
    match = getattr(request, "resolver_match", None)
    if match is None:  # answered before the URLs were read: WhiteNoise's files, or a 404
        static = "/" + settings.STATIC_URL.lstrip("/")
        return "static" if request.path_info.startswith(static) else "unresolved"
    names = getattr(match.func, "names_by_method", None)  # one route, several operations
    if names and request.method in names:
        return f"{match.namespace}:{names[request.method]}"
    return match.view_name or match.route or "unnamed"


# ---------------------------------------------------------------- probes


def healthz(request) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    caches["default"].get("omniretail:readyz")


def _check_storage() -> None:
    default_storage.exists("readyz")


def _checks() -> dict:
    """The dependencies a request needs. The cache only when it lives outside the process
    (Redis, memcached, the database): a local-memory cache cannot be down."""
    checks = {"database": _check_database, "storage": _check_storage}
    backend = settings.CACHES["default"]["BACKEND"]
    if not backend.endswith(("LocMemCache", "DummyCache")):
        checks["cache"] = _check_cache
    return checks


def readyz(request) -> JsonResponse:
    """200 when every dependency answers, else 503 naming the one that did not (its
    exception class only: the message can name hosts; it is logged instead)."""
    results = {}
    for name, check in _checks().items():
        try:
            check()
        except Exception as exc:
            logger.warning("readiness check %s failed: %r", name, exc)
            results[name] = f"fail: {type(exc).__name__}"
        else:
            results[name] = "ok"
    ready = all(v == "ok" for v in results.values())
    body = {"status": "ok" if ready else "fail", "checks": results}
    return JsonResponse(body, status=200 if ready else 503)


# ---------------------------------------------------------------- /metrics


def _domain_sources() -> list:
    """Each app's `metrics` module (orders, payments, ...): core reads no higher domain's
    tables itself."""
    return [
        import_module(f"{app.name}.metrics")
        for app in apps.get_app_configs()
        if app.name.startswith("omniretail.") and module_has_submodule(app.module, "metrics")
    ]


def _task_queue_depth() -> Iterable[Metric]:
    """Tasks waiting in the database queue, per backend alias and queue (the database
    backend only: RQ's queues are read from Redis by its own exporter)."""
    gauge = GaugeMetricFamily(
        "omniretail_task_queue_depth",
        "Tasks in the database queue that no worker has started yet.",
        labels=["backend", "queue"],
    )
    aliases = [a for a in settings.TASKS if isinstance(task_backends[a], DatabaseBackend)]
    if aliases:
        waiting = (
            DBTaskResult.objects.filter(backend_name__in=aliases, status=TaskResultStatus.READY)
            .values_list("backend_name", "queue_name")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for backend, queue, n in waiting:
            gauge.add_metric([backend, queue], n)
    yield gauge


def _outbox() -> Iterable[Metric]:
    stats = outbox_stats()
    yield GaugeMetricFamily(
        "omniretail_outbox_pending", "Outbox events waiting for delivery.", stats["pending"]
    )
    yield GaugeMetricFamily(
        "omniretail_outbox_dead",
        "Outbox events that failed every attempt (retry them in the admin).",
        stats["dead"],
    )
    yield GaugeMetricFamily(
        "omniretail_outbox_lag_seconds",
        "Age of the oldest outbox event waiting for delivery (0 when none waits).",
        stats["oldest_pending_age_s"],
    )


class BusinessCollector:
    """Reads the business figures from the database at each scrape, so every process (and
    a restarted one) reports the same totals. A failing read is reported as
    omniretail_business_metrics_up 0, never as a failed scrape."""

    def collect(self) -> Iterable[Metric]:
        families: list[Metric] = []
        try:
            families += _outbox()
            families += _task_queue_depth()
            for source in _domain_sources():
                families += source.collect()
            up = 1
        except Exception:
            logger.exception("business metrics could not be read")
            families, up = [], 0
        families.append(
            GaugeMetricFamily(
                "omniretail_business_metrics_up",
                "1 when the business figures were read from the database at this scrape.",
                up,
            )
        )
        return families


def _registry() -> CollectorRegistry:
    """One registry per scrape. With PROMETHEUS_MULTIPROC_DIR set (several server
    processes), the histogram is summed over every process's files in that directory;
    otherwise it is this process's own."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
        ProcessCollector(registry=registry)
    registry.register(BusinessCollector())
    return registry


def _trusted(request) -> bool:
    """The bearer token OMNI_METRICS_TOKEN, or a client address in OMNI_METRICS_ALLOWED_IPS.
    A request forwarded by a proxy the settings do not know of (X-Forwarded-For with
    OMNI_TRUSTED_PROXIES=0) is not from its REMOTE_ADDR, so only the token admits it."""
    token = settings.OMNI_METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    if "HTTP_X_FORWARDED_FOR" in request.META and not settings.OMNI_TRUSTED_PROXIES:
        return False
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in network for network in settings.OMNI_METRICS_ALLOWED_IPS)


def metrics(request) -> HttpResponse:
    if not _trusted(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)


ENDPOINTS = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}


# ---------------------------------------------------------------- middleware


class ObservabilityMiddleware:
    """First in MIDDLEWARE: answers the operational endpoints itself (a probe or a scraper
    addresses the process by its IP, which no ALLOWED_HOSTS lists, over plain HTTP, without
    a session), gives every request an id (its X-Request-ID when sane; sent back on the
    response and put on every log line), and times every other request into the histogram."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id_from(request.headers.get("X-Request-ID"))
        token = REQUEST_ID.set(rid)
        started = time.perf_counter()
        try:
            endpoint = ENDPOINTS.get(request.path_info)
            response = endpoint(request) if endpoint else self.get_response(request)
            response["X-Request-ID"] = rid
            if not endpoint:
                self._record(request, response, time.perf_counter() - started)
            return response
        finally:
            REQUEST_ID.reset(token)

    @staticmethod
    def _record(request, response, seconds: float) -> None:
        """The histogram, and one access line naming the view (a path can hold a signed
        code or a pairing link, which have no place in a log)."""
        view, client = _view_label(request), client_ip(request)
        method = request.method if request.method in METHODS else "other"
        REQUEST_SECONDS.labels(view, method, f"{response.status_code // 100}xx").observe(seconds)
        access.info(
            "%s %s %s %s %.1f ms",
            client,
            method,
            view,
            response.status_code,
            seconds * 1000,
            extra={
                "client": client,
                "method": method,
                "view": view,
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
