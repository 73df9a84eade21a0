"""The member's messages: a list, newest first, that opens a message by marking it read and
following its link, and 全部已读 for the badge on 我的."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from omniretail.core.errors import DomainError
from omniretail.core.redirects import safe_return
from omniretail.notifications import selectors, services
from omniretail.web.views import _error, _page


@login_required
@require_GET
def notifications(request: HttpRequest) -> HttpResponse:
    notes = selectors.notifications_for(request.user)
    ctx = {
        "tab": "me",
        "page_obj": _page(request, notes),
        "unread": notes.filter(read_at__isnull=True).count(),
    }
    return render(request, "web/notifications/list.html", ctx)


@login_required
@require_GET
def open_notification(request: HttpRequest, public_id: str) -> HttpResponse:
    """Mark the message read and go where it points; a link off this site (or none) comes
    back to the list."""
    try:
        note = selectors.notification_for(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc, tab="me")
    services.mark_read(user=request.user, notification_ids=[note.public_id])
    return redirect(safe_return(note.link) or "web:notifications")


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    services.mark_read(user=request.user)
    return redirect("web:notifications")
