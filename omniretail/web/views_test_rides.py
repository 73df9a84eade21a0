"""我的试驾: a shopper's own test-ride bookings (booked from a counter's kiosk), each
cancellable before its time."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from omniretail.core.errors import DomainError
from omniretail.counters import testrides
from omniretail.web.views import _error

TEMPLATE = "web/counters/my_test_rides.html"


def _rides(user) -> list:
    rides = list(testrides.of_member(user)[:50])
    for ride in rides:
        ride.can_cancel = testrides.cancellable(ride)
    return rides


@login_required
@require_GET
def my_test_rides(request: HttpRequest) -> HttpResponse:
    return render(request, TEMPLATE, {"rides": _rides(request.user), "tab": "me"})


@login_required
@require_POST
def cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        testrides.cancel(member=request.user, public_id=public_id)
    except DomainError as exc:  # the list again, with the reason; nothing changed
        return _error(request, exc, TEMPLATE, rides=_rides(request.user), tab="me")
    return redirect("web:my_test_rides")
