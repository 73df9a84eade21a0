"""Who may open which console page. One rule for every staff page, built on accounts'
selectors, so that a page admits exactly the roles its API twin admits: a role without
the right gets the 403 error page, another organisation's object stays a 404 (the views'
scoped selectors), and a menu shows only what the viewer may open (`may_open`)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.urls import resolve, reverse
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import (
    ALL_ROLES,
    MANAGING_ROLES,
    is_platform_operator,
    organizations_of,
)
from omniretail.codes.selectors import producers_of
from omniretail.core.errors import DomainError, NotFound, PermissionDenied
from omniretail.stores import selectors as stores
from omniretail.web.views import _error

MANAGERS = MANAGING_ROLES  # loyalty and referrals: the API's `managed` merchants
SESSION_STORE = "merchant_store"


def holds_role(user, organization: Organization, roles=ALL_ROLES) -> bool:
    """The rule of accounts.require_role as a yes/no; platform operators run every console."""
    return (
        is_platform_operator(user)
        or organizations_of(user, roles=roles).filter(pk=organization.pk).exists()
    )


def staff_required(view=None, *, roles=ALL_ROLES):
    """Members of a merchant (or the platform) only, and of the chosen store's merchant in
    one of `roles`; anyone else gets the 403 page. The view receives the chosen store;
    another merchant's store named in ?store= is a 404. `@staff_required` admits every role,
    `@staff_required(roles=MANAGERS)` owners and managers."""

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            user = request.user
            if not (
                is_platform_operator(user)
                or organizations_of(user, kinds=[Organization.Kind.MERCHANT]).exists()
            ):
                return _error(request, PermissionDenied(_("商家后台仅对商家员工开放。")))
            try:
                store = _chosen_store(request)
            except DomainError as exc:
                return _error(request, exc, "web/merchant/error.html")
            if not holds_role(user, store.merchant, roles):
                return _error(request, PermissionDenied(_("该页面仅对商家的所有者和经理开放。")))
            return view(request, store, *args, **kwargs)

        wrapper.console_roles = roles
        return wrapper

    return decorate(view) if view is not None else decorate


def producer_required(view):
    """Staff of a producer (or the platform) only; everyone else gets a 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not (is_platform_operator(request.user) or producers_of(request.user).exists()):
            return _error(request, PermissionDenied(_("包装二维码仅对生产商员工开放。")))
        return view(request, *args, **kwargs)

    return wrapper


def operator_required(view):
    """Platform operators only (finance, reviews of the whole platform); everyone else,
    merchants' owners included, gets the 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not is_platform_operator(request.user):
            return _error(request, PermissionDenied(_("该页面仅对平台运营人员开放。")))
        return view(request, *args, **kwargs)

    return wrapper


def may_open(user, store, url_name: str) -> bool:
    """Whether `user` gets past the decorator of the console page `url_name` at `store`: a
    menu shows an entry only when this says yes, so no label leads to a 403."""
    roles = getattr(resolve(reverse(url_name)).func, "console_roles", ALL_ROLES)
    return holds_role(user, store.merchant, roles)


def _chosen_store(request: HttpRequest):
    wanted = request.GET.get("store") or request.session.get(SESSION_STORE)
    if wanted:
        try:
            store = stores.store_for_actor(request.user, wanted)
        except NotFound:
            if request.GET.get("store"):
                raise
            store = None
        if store is not None:
            if request.session.get(SESSION_STORE) != store.public_id:
                request.session[SESSION_STORE] = store.public_id
            return store
    store = stores.stores_for_actor(request.user).filter(is_active=True).first()
    if store is None:
        raise NotFound(_("您的商家还没有门店。"))
    request.session[SESSION_STORE] = store.public_id
    return store
