"""收款终端: a merchant's owners and managers register card terminals (the credential shown
once, to be typed into the terminal) and revoke them; staff see whether each is online."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from omniretail.core.errors import DomainError
from omniretail.terminals import selectors, services
from omniretail.web.access import MANAGERS, staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx


def _page(request: HttpRequest, store, *, status: int = 200, **extra) -> HttpResponse:
    ctx = _ctx(
        request,
        store,
        "terminals",
        terminals=selectors.terminals_of(request.user, store.merchant),
        **extra,
    )
    return render(request, "web/merchant/terminals.html", ctx, status=status)


@staff_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def terminals(request: HttpRequest, store) -> HttpResponse:
    """GET: the merchant's terminals. POST: register one and show its credential once."""
    if request.method == "GET":
        return _page(request, store)
    try:
        terminal, credential = services.register(
            actor=request.user, merchant=store.merchant, name=request.POST.get("name", "")
        )
    except DomainError as exc:
        return _page(request, store, status=exc.status, error=exc, name=request.POST.get("name"))
    return _page(request, store, status=201, created=terminal, credential=credential)


@staff_required(roles=MANAGERS)
@require_POST
def terminal_revoke(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        terminal = selectors.terminal_for_staff(request.user, public_id)
        services.revoke(actor=request.user, terminal=terminal)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/error.html")
    messages.success(request, _("终端 %(name)s 已停用。") % {"name": terminal.name})
    return redirect("web:m_terminals")
