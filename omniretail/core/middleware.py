"""Refuse input no database column can hold, before any view sees it; send every response
with the Content-Security-Policy."""

import secrets

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

# A raw NUL, or JSON's escape for it (parsed into a NUL by the API).
NUL_MARKERS = (b"\x00", b"\\u0000")


def _any_nul(values) -> bool:
    return any("\x00" in v for v in values if isinstance(v, str))


def _has_nul(request) -> bool:
    """Text that reaches a column: the path, the query string, the headers, form fields (and
    uploaded files' names) or a JSON body. A file's bytes never reach a text column and are
    not searched: every JPEG and PNG holds NUL bytes."""
    if "\x00" in request.path or _any_nul(request.META.values()):
        return True
    if _any_nul(v for _key, values in request.GET.lists() for v in values):
        return True
    if request.method not in ("POST", "PUT", "PATCH"):
        return False
    if request.content_type == "multipart/form-data":
        if request.method != "POST":  # Django parses multipart on POST only
            return False
        fields = (v for _key, values in request.POST.lists() for v in values)
        names = (f.name for _key, files in request.FILES.lists() for f in files)
        return _any_nul(fields) or _any_nul(names)
    if request.content_type == "application/x-www-form-urlencoded":
        return any(marker in request.body for marker in (b"\x00", b"%00"))
    body = request.body
    return any(marker in body for marker in NUL_MARKERS)


class RejectNulBytesMiddleware:
    """PostgreSQL text cannot contain NUL bytes; such input is a client error (400 with a
    clear message), never a 500 from the database."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            message = _("请求中含有不允许的空字符 (NUL)。")
            if request.path.startswith("/api/"):
                body = {"error": {"code": "invalid_characters", "message": message, "fields": {}}}
                return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(message)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """Scripts run only from this site's own files, plus the few inline scripts a page marks
    with this request's nonce (`<script nonce="{{ request.csp_nonce }}">`): markup an
    attacker slips into a page runs nothing. `OMNI_CSP` is the policy, `{nonce}` its
    placeholder; a response that set its own policy keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if settings.OMNI_CSP and "Content-Security-Policy" not in response:
            policy = settings.OMNI_CSP.replace("{nonce}", request.csp_nonce)
            response["Content-Security-Policy"] = policy
        return response
