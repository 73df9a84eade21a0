"""我的 → 隐私与账号 → 实名认证: the shopper types 姓名 and 身份证号 once, agrees to the
processing, and sees the outcome masked (analytics.realname)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from omniretail.analytics import realname
from omniretail.core.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def real_name(request: HttpRequest) -> HttpResponse:
    ctx = {
        "tab": "me",
        "status": realname.status_of(request.user),
        "limit": realname.attempts()[0],
        "form": {},
    }
    if request.method == "POST":
        try:
            realname.verify(
                user=request.user,
                name=request.POST.get("name", ""),
                id_number=request.POST.get("id_number", ""),
                consent=request.POST.get("consent") == "1",
            )
        except DomainError as exc:
            # the number is typed again after a refusal: it is never echoed into the page
            ctx.update(error=exc, form={"name": request.POST.get("name", "")})
            return render(request, "web/privacy/real_name.html", ctx, status=exc.status)
        messages.success(request, _("实名认证成功。"))
        return redirect("web:real_name")
    return render(request, "web/privacy/real_name.html", ctx)
