"""Pages of a retailer's joining (supply/onboarding.py): the applicant's form and state, the
licence photo (the applicant and the platform only), and the platform's review with the
joining reward's settings. Each view calls one onboarding service or read."""

from pathlib import PurePosixPath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from omniretail.accounts.selectors import is_platform_operator
from omniretail.core import uploads
from omniretail.core.errors import DomainError
from omniretail.supply import onboarding
from omniretail.web.views import _error
from omniretail.web.views_supply import _posting

TEMPLATES = "web/supply/"
FIELDS = ("company_name", "credit_code", "store_name", "store_address", "store_phone", "lat", "lon")


@login_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, TEMPLATES + "join.html", _join_context(request, {}))
    form = {f: request.POST.get(f, "") for f in FIELDS}
    try:
        onboarding.apply(
            applicant=request.user,
            licence_files=uploads.photo_files(request, "licence_photo"),
            **form,
        )
    except DomainError as exc:
        return _error(request, exc, TEMPLATES + "join.html", **_join_context(request, form))
    messages.success(request, _("入驻申请已提交，请等待平台审核。"))
    return redirect("web:supply_join")


def _join_context(request, form) -> dict:
    application = onboarding.application_of(request.user)
    return {
        "section": "join",
        "application": application,
        "can_apply": application is None or application.status == "rejected",
        "form": form,
    }


@login_required
@require_GET
def licence(request: HttpRequest, public_id: str) -> FileResponse:
    """Served here only (its name is never a public /media/ one): the applicant and the
    platform see a company's licence, nobody else."""
    try:
        application = onboarding.licence_of(request.user, public_id)
    except DomainError as exc:
        raise Http404 from exc
    name = application.licence_photo
    suffix = PurePosixPath(name).suffix
    if suffix not in uploads.CONTENT_TYPES or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name), content_type=uploads.CONTENT_TYPES[suffix])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def review_merchants(request: HttpRequest) -> HttpResponse:
    if not is_platform_operator(request.user):
        return redirect("web:supply_home")
    return render(
        request,
        TEMPLATES + "review_merchants.html",
        {
            "section": "review",
            "is_platform": True,
            "pending": onboarding.pending(request.user)[:50],
            "decided": onboarding.decided(request.user)[:50],
            "reward": onboarding.reward_config(),
        },
    )


@_posting
def decide_merchant(request: HttpRequest, public_id: str) -> HttpResponse:
    application = onboarding.application_for_review(request.user, public_id)
    approve = request.POST.get("decision") == "approve"
    onboarding.review(
        actor=request.user,
        application=application,
        approve=approve,
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, _("已通过，商家已上线。") if approve else _("已驳回。"))
    return redirect("web:supply_review_merchants")


@_posting
def joining_reward(request: HttpRequest) -> HttpResponse:
    onboarding.configure_reward(
        actor=request.user,
        points=request.POST.get("points", ""),
        fee_waiver_days=request.POST.get("fee_waiver_days", ""),
        coupon_budget=request.POST.get("coupon_budget", ""),
    )
    messages.success(request, _("入驻奖励已保存。"))
    return redirect("web:supply_review_merchants")
