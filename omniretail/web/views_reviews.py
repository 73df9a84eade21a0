"""The shopper's 评价 form on a completed order: parse, call `catalog.reviews`, go back to
the order. A refusal is shown with its own 4xx status; no business rule lives here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniretail.catalog import reviews
from omniretail.core.errors import DomainError, field_error
from omniretail.web.views import _error


def _rating(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise field_error("rating", _("请选择 1 到 5 星的评分。")) from None


@login_required
@require_POST
def review_line(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        reviews.write_review(
            shopper=request.user,
            order_id=public_id,
            sku_id=request.POST.get("sku", ""),
            rating=_rating(request.POST.get("rating", "")),
            text=request.POST.get("text", ""),
        )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("感谢您的评价！"))
    return redirect("web:order", public_id=public_id)
