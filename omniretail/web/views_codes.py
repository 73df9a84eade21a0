"""Packaging codes on the pages: the scan landing a phone opens after an offline purchase
(log in by SMS code, claim the points once), and the producer's pages to order a batch,
watch it generate and download its print files. No business rule lives here."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from omniretail.catalog.models import Sku
from omniretail.codes import exports, points, selectors, services
from omniretail.codes.models import CodeBatch
from omniretail.core.errors import DomainError, field_error
from omniretail.web.access import producer_required
from omniretail.web.views import _error

LIST_SIZE = 50


# ---------------------------------------------------------------- the scan


def _scan_ctx(request: HttpRequest, code, **extra) -> dict:
    batch = code.batch
    user = request.user
    return {
        "tab": "me",
        "code": code,
        "product": batch.sku.product,
        "batch": batch,
        "mine": user.is_authenticated and code.claimed_by_id == user.pk,
        "login_url": reverse("web:login") + "?" + urlencode({"next": request.path}),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what was scanned; POST (a logged-in member) claims its points, with the
    phone's position when the member allowed it."""
    try:
        code = services.code_for_token(token)
    except DomainError as exc:
        return _error(request, exc, "web/codes/invalid.html")
    if request.method == "GET":
        return render(request, "web/codes/scan.html", _scan_ctx(request, code))
    if not request.user.is_authenticated:
        return redirect(_scan_ctx(request, code)["login_url"])
    try:
        row = services.claim_code(
            user=request.user,
            token=token,
            ip=request.META.get("REMOTE_ADDR"),
            lat=request.POST.get("lat"),
            lon=request.POST.get("lon"),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except DomainError as exc:
        code.refresh_from_db()
        return _error(request, exc, "web/codes/scan.html", **_scan_ctx(request, code))
    ctx = _scan_ctx(request, code, awarded=row, balance=points.balance(request.user))
    return render(request, "web/codes/scan.html", ctx)


# ---------------------------------------------------------------- producer pages


def _int_or_none(raw: str | None):
    raw = (raw or "").strip()
    try:
        return int(raw) if raw else None
    except ValueError:
        return raw  # the service refuses it with a field message


@producer_required
@require_http_methods(["GET", "POST"])
def batches(request: HttpRequest) -> HttpResponse:
    producers = list(selectors.producers_of(request.user))
    ctx = {
        "tab": "me",
        "batches": selectors.batches_for(request.user)[:LIST_SIZE],
        "producers": producers,
        "skus": [s for p in producers for s in selectors.skus_of(p)],
        "form": request.POST,
    }
    if request.method == "GET":
        return render(request, "web/codes/batches.html", ctx)
    try:
        producer = next(
            (p for p in producers if p.public_id == request.POST.get("producer")),
            producers[0] if len(producers) == 1 else None,
        )
        if producer is None:
            raise field_error("producer", _("请选择生产商。"))
        sku = Sku.objects.select_related("product").filter(public_id=request.POST.get("sku"))
        batch = services.order_batch(
            actor=request.user,
            producer=producer,
            sku=sku.first(),
            quantity=_int_or_none(request.POST.get("quantity")),
            points_per_scan=_int_or_none(request.POST.get("points_per_scan")),
        )
    except DomainError as exc:
        return _error(request, exc, "web/codes/batches.html", **ctx)
    return redirect("web:code_batch", public_id=batch.public_id)


def _batch_ctx(request, public_id: str) -> dict:
    batch = selectors.batch_for(request.user, public_id)
    ready = batch.status == CodeBatch.Status.READY
    return {
        "tab": "me",
        "batch": batch,
        "ready": ready,
        "pages": exports.page_count(batch) if ready else 0,
        "per_page": exports.PER_PAGE,
        "stats": selectors.batch_stats(batch) if ready else None,
        "api": f"/api/codes/batches/{batch.public_id}",
    }


@producer_required
@require_GET
def batch(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        ctx = _batch_ctx(request, public_id)
    except DomainError as exc:
        return _error(request, exc)
    return render(request, "web/codes/batch.html", ctx)


@producer_required
@require_GET
def batch_progress(request: HttpRequest, public_id: str) -> HttpResponse:
    """The htmx-polled progress bar; once ready it swaps in the downloads and stops."""
    try:
        ctx = _batch_ctx(request, public_id)
    except DomainError as exc:
        return _error(request, exc, "web/codes/_progress.html")
    return render(request, "web/codes/_progress.html", ctx)
