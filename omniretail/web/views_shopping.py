"""收藏, 足迹 and the 领券中心: thin pages over `shopping` and `loyalty.coupons`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from omniretail.catalog import selectors as catalog
from omniretail.core.errors import DomainError
from omniretail.core.ids import new_public_id
from omniretail.loyalty import coupons
from omniretail.loyalty.models import Coupon
from omniretail.shopping import selectors, services
from omniretail.web.views import _error


@login_required
@require_POST
def favourite_toggle(request: HttpRequest, public_id: str) -> HttpResponse:
    """htmx swaps the heart for its new state; without htmx, back to where the tap was."""
    try:
        product = catalog.public_product(public_id)
    except DomainError as exc:
        return _error(request, exc)
    on = services.toggle_favourite(user=request.user, product=product)
    if request.htmx:
        ctx = {"product": product, "favourite": on, "signed_in": True}
        return render(request, "web/shopping/_heart.html", ctx)
    return redirect("web:product", public_id)


@login_required
@require_GET
def favourites(request: HttpRequest) -> HttpResponse:
    rows = selectors.favourites(request.user)
    return render(request, "web/shopping/favourites.html", {"tab": "me", "rows": rows})


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    rows = selectors.history(request.user)
    return render(request, "web/shopping/history.html", {"tab": "me", "rows": rows})


@login_required
@require_POST
def history_clear(request: HttpRequest) -> HttpResponse:
    services.clear_history(user=request.user)
    messages.success(request, _("足迹已清空。"))
    return redirect("web:history")


def _centre(request, *, error=None, status=200):
    templates = list(coupons.claimable_templates())
    held = {}
    if request.user.is_authenticated:
        for template_id in Coupon.objects.filter(
            user=request.user, template__in=templates
        ).values_list("template_id", flat=True):
            held[template_id] = held.get(template_id, 0) + 1
    for template in templates:
        template.held = held.get(template.pk, 0)
    ctx = {"tab": "me", "templates": templates, "key": new_public_id(), "error": error}
    return render(request, "web/shopping/coupon_centre.html", ctx, status=status)


@require_GET
def coupon_centre(request: HttpRequest) -> HttpResponse:
    return _centre(request)


@login_required
@require_POST
def coupon_claim(request: HttpRequest, public_id: str) -> HttpResponse:
    """A refused claim (not public, over the member's limit, sold out) shows the centre again
    with the reason and its 4xx status; nothing is written."""
    try:
        coupon = coupons.claim_coupon(
            template_id=public_id, user=request.user, idempotency_key=request.POST.get("key", "")
        )
    except DomainError as exc:
        return _centre(request, error=exc, status=exc.status)
    messages.success(request, _("已领取「%(name)s」。") % {"name": coupon.template.name})
    return redirect("web:coupon_centre")
