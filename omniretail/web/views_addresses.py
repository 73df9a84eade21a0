"""我的 → 收货地址: the address book. The form takes a district and the street address,
and a position from the browser (使用当前位置) or typed coordinates; without one, the
geocoder (addresses.geocoding) places the street. A refused form keeps what was typed."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.addresses import selectors, services
from omniretail.addresses.geocoding import provider
from omniretail.core.errors import DomainError, NotFound
from omniretail.web.views import _error

FIELDS = ("name", "phone", "district", "detail", "lat", "lon")


def _next(request: HttpRequest) -> str:
    """Back where the shopper came from (checkout) when it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return ""


def _form(request: HttpRequest, address=None, **ctx) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    if data is None and address is not None:
        data = {name: getattr(address, name) for name in FIELDS}
    return render(
        request,
        "web/addresses/form.html",
        {
            "tab": "me",
            "address": address,
            "form": data or {},
            "districts": provider().districts(),
            "next": _next(request),
            **ctx,
        },
        status=ctx["error"].status if ctx.get("error") else 200,
    )


@login_required
@require_GET
def addresses(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/addresses/list.html",
        {"tab": "me", "addresses": selectors.addresses_of(request.user), "next": _next(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def address_new(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _form(request)
    try:
        services.add_address(
            user=request.user,
            data=request.POST,
            make_default=request.POST.get("is_default") == "1",
        )
    except DomainError as exc:
        return _form(request, error=exc)
    return redirect(_next(request) or "web:addresses")


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        address = services.address_of(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    if request.method == "GET":
        return _form(request, address)
    try:
        services.update_address(
            address=address,
            data=request.POST,
            make_default=request.POST.get("is_default") == "1",
        )
    except DomainError as exc:
        return _form(request, address, error=exc)
    return redirect(_next(request) or "web:addresses")


@login_required
@require_POST
def address_action(request: HttpRequest, public_id: str, action: str) -> HttpResponse:
    """设为默认 or 删除."""
    try:
        address = services.address_of(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    if action == "default":
        services.set_default(address=address)
    elif action == "delete":
        services.delete_address(address=address)
    else:
        return _error(request, NotFound())
    return redirect(_next(request) or "web:addresses")
