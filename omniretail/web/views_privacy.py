"""The user agreement and privacy policy pages (linked from the login form's consent), and
我的 → 隐私与账号: download my data (JSON) and close my account (privacy.services)."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from omniretail.core.errors import DomainError, field_error
from omniretail.privacy import services as privacy
from omniretail.privacy.models import POLICY_VERSION


@require_GET
def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "web/legal/terms.html", {"tab": "me", "version": POLICY_VERSION})


@require_GET
def privacy_policy(request: HttpRequest) -> HttpResponse:
    return render(request, "web/legal/privacy.html", {"tab": "me", "version": POLICY_VERSION})


def _page(request: HttpRequest, **ctx) -> HttpResponse:
    status = ctx["error"].status if ctx.get("error") else 200
    return render(request, "web/privacy/account.html", {"tab": "me", **ctx}, status=status)


@login_required
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    data = privacy.export(request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    name = f"omniretail-my-data-{timezone.localdate():%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def close(request: HttpRequest) -> HttpResponse:
    """Typed 注销 as the confirmation: an irreversible step is never one stray tap."""
    try:
        if request.POST.get("confirm", "").strip() != "注销":
            raise field_error("confirm", _("请输入“注销”确认注销账号。"))
        privacy.close_account(user=request.user)
    except DomainError as exc:
        return _page(request, error=exc)
    logout(request)
    messages.info(request, _("您的账号已注销。订单与账务记录按法律要求保留，其余个人信息已删除。"))
    return redirect("web:home")
