"""The shopper's 评价 form on a completed order, and the merchant's list of reviews of what it
sold with a 隐藏 button and a reply form. Parse, call `reviews.services`, go back; a refusal
is shown with its own 4xx status. No business rule lives here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from omniretail.core.errors import DomainError, field_error
from omniretail.reviews import services as reviews
from omniretail.web.access import staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx


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


@staff_required
@require_GET
def merchant_reviews(request: HttpRequest, store) -> HttpResponse:
    """What shoppers said about the goods this merchant sold, with a 隐藏 button for abuse."""
    return render(
        request,
        "web/reviews/merchant.html",
        _ctx(request, store, "reviews", reviews=reviews.reviews_for_staff(request.user)[:100]),
    )


@staff_required
@require_POST
def hide(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        reviews.hide_review(
            staff=request.user, review_id=public_id, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("评价已隐藏，顾客和其他人都看不到了。"))
    return redirect("web:m_reviews")


@staff_required
@require_POST
def reply(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """The merchant's answer under a review: the first one, or (edit=1) a change to it."""
    write = reviews.edit_reply if request.POST.get("edit") else reviews.reply_to_review
    try:
        write(staff=request.user, review_id=public_id, text=request.POST.get("reply", ""))
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("回复已发布，顾客在商品页和门店页都能看到。"))
    return redirect("web:m_reviews")
