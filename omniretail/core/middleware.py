"""Refuse input no database column can hold, before any view sees it."""

from django.http import HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

NUL_MARKERS = (b"\x00", b"\\u0000", b"%00")


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    if any("\x00" in v for values in request.GET.lists() for v in values[1]):
        return True
    body = request.body if request.method in ("POST", "PUT", "PATCH") else b""
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
