"""How the API knows who is calling: a bearer token for API clients, the session cookie
(with CSRF on writes) for pages; and what a call that creates a session must prove."""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.http import is_same_domain
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from omniretail.accounts.services import authenticate_api_token
from omniretail.core.api import require_json
from omniretail.core.errors import PermissionDenied


class BearerToken(HttpBearer):
    openapi_description = (
        "An API token: `Authorization: Bearer <token>`. Get one by signing in with "
        "`POST /api/auth/otp/verify` or `POST /api/auth/login` with "
        '`"issue_token": true`, or from `POST /api/auth/tokens` when signed in; revoke it '
        "with `DELETE /api/auth/tokens/{id}`. No CSRF token is needed."
    )

    def authenticate(self, request, token):
        user = authenticate_api_token(token)
        if user is not None:
            request.user = user
        return user


class SessionCookie(SessionAuth):
    """The session, CSRF-checked on writes. Without a signed-in session there is nobody for
    a CSRF check to protect, so an anonymous write is a 401, not a 403 CSRF failure."""

    openapi_description = (
        "The browser session (cookie `sessionid`, set by the sign-in routes). Every write "
        "(POST, PUT, PATCH, DELETE) must also send the CSRF token: the `csrftoken` cookie's "
        "value in an `X-CSRFToken` header; without it the write is a 403."
    )

    def __call__(self, request):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


AUTH = [BearerToken(), SessionCookie()]


def _allowed_origin(request, origin: str) -> bool:
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False
    if parts.scheme == request.scheme and parts.netloc == request.get_host():
        return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        allowed = urlsplit(trusted)
        if allowed.scheme == parts.scheme and is_same_domain(parts.netloc, allowed.netloc):
            return True
    return False


def require_same_site_json(request) -> None:
    """Login CSRF: a call that sets the session cookie must be JSON (another site's form or
    simple fetch cannot send it without a CORS preflight we never grant) and, when the
    browser names where it comes from (Origin, else Referer), come from this site or
    CSRF_TRUSTED_ORIGINS. Token clients send neither header and are unaffected."""
    require_json(request)
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if source is not None and not _allowed_origin(request, source):
        raise PermissionDenied(_("不允许从其他网站发起登录。"), code="cross_origin")
