"""The rider's mobile page (/rider/): paid delivery orders of the rider's merchants waiting
for a rider, and their own, each with the one next step (接单, 已取货, 出发配送, 确认送达
with the shopper's code or a photo). The rules live in orders.delivery: another merchant's
order is not found (404), another rider's is a conflict (409), and nothing changes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from omniretail.core import uploads
from omniretail.core.errors import DomainError, NotFound
from omniretail.orders import delivery
from omniretail.web.access import staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx

STEPS = {
    "accept": delivery.accept,
    "pick_up": delivery.pick_up,
    "set_off": delivery.set_off,
}


def _page(request: HttpRequest, **ctx) -> HttpResponse:
    found = list(delivery.deliveries_for_rider(request.user))
    status = ctx["error"].status if ctx.get("error") else 200
    return render(
        request,
        "web/rider/deliveries.html",
        {"tab": "me", "deliveries": found, "eta_rule": delivery, **ctx},
        status=status,
    )


@login_required
@require_GET
def deliveries(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
@require_POST
def rider_action(request: HttpRequest, order_id: str, action: str) -> HttpResponse:
    try:
        leg = delivery.delivery_for_rider(request.user, order_id)
        if action == "deliver":
            with uploads.saved_photos(
                uploads.photo_files(request, "photo")[:1], folder="deliveries", field="photo"
            ) as photos:
                delivery.deliver(
                    rider=request.user,
                    delivery=leg,
                    code=request.POST.get("code", ""),
                    photo=photos[0] if photos else "",
                )
        elif action in STEPS:
            STEPS[action](rider=request.user, delivery=leg)
        else:
            raise NotFound()
    except DomainError as exc:
        if isinstance(exc, NotFound):
            return _error(request, exc)
        return _page(request, error=exc)
    messages.success(request, _("已更新：订单 %(number)s。") % {"number": leg.order.number})
    return redirect("web:rider")


@staff_required
@require_GET
def store_deliveries(request: HttpRequest, store) -> HttpResponse:
    """The store console: its deliveries with rider, ETA and the late ones flagged."""
    ctx = _ctx(request, store, "orders", deliveries=delivery.deliveries_of_store(store))
    return render(request, "web/merchant/deliveries.html", ctx)
