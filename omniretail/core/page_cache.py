"""The server's own copy of the responses it already lets a proxy share: a page or API answer
marked `Cache-Control: public, max-age=N` (web.public: anonymous catalog reads) is kept for
OMNI_PAGE_CACHE_SECONDS, never longer than its N, and given to the next visitor the page cannot
tell apart from the first without running the view (docs/operations.md, "Page cache").

A request is asked of the cache only when nothing in it can make the page personal: GET or
HEAD, no cookie but the CSRF one (a session, a cart, a language, a message or any other
cookie sends it to the view), no Authorization header, not an htmx fragment. The key is the
method, scheme, host, path with its query, the language the locale middleware would pick and
whether the client takes gzip; a response that varies on any other header is not kept."""

import hashlib
import re
import time
from contextlib import suppress

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import get_conditional_response, get_max_age
from django.utils.translation import get_language_from_request

ALIAS = "pages"
# in the key already (an htmx request is never looked up, so a kept page is the non-htmx one)
KEYED_VARY = frozenset({"accept-language", "accept-encoding", "hx-request"})
MAX_BODY = 512 * 1024  # a larger answer is not worth a slot in every process's memory
CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
_GZIP = re.compile(r"\bgzip\b")  # as GZipMiddleware reads Accept-Encoding


def run_and_replay(request, func, **kwargs) -> None:
    """Call func(**kwargs) now, and again each time this response is served from the cache:
    a side effect the view has for every visitor (a search logged for hot words) happens
    for every visitor still. func must be a module-level function (it is pickled by name)."""
    func(**kwargs)
    replays = getattr(request, "_page_cache_replays", None)
    if replays is not None:
        replays.append((func, kwargs))


def _key(request) -> str | None:
    """The cache key, or None when the request may be personal or the cache is off."""
    if request.method not in ("GET", "HEAD") or settings.OMNI_PAGE_CACHE_SECONDS <= 0:
        return None
    meta = request.META
    if "HTTP_AUTHORIZATION" in meta or "HTTP_HX_REQUEST" in meta:
        return None
    if not set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}:
        return None
    parts = (
        request.method,
        request.scheme,
        meta.get("HTTP_HOST", ""),
        request.get_full_path(),
        get_language_from_request(request),
        "gzip" if _GZIP.search(meta.get("HTTP_ACCEPT_ENCODING", "")) else "",
    )
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=20).hexdigest()
    return f"page:{digest}"


def _lifetime(response) -> int:
    """Seconds to keep the response: 0 unless it is a whole public 200 that set no cookie
    and varies only on what the key holds."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return 0
    if "public" not in response.get("Cache-Control", ""):
        return 0
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
    if not vary <= KEYED_VARY or len(response.content) > MAX_BODY:
        return 0
    return min(settings.OMNI_PAGE_CACHE_SECONDS, get_max_age(response) or 0)


def _served(request, entry) -> HttpResponse:
    stored_at, headers, content, replays = entry
    response = HttpResponse(content)  # only a 200 is kept
    for name, value in headers:
        response[name] = value
    response["Age"] = str(max(0, int(time.time() - stored_at)))  # a proxy keeps it less long
    for func, kwargs in replays:
        func(**kwargs)
    with suppress(Resolver404):  # the access log and the histogram name the view, as for a miss
        request.resolver_match = resolve(request.path_info)
    return response


class PageCacheMiddleware:
    """Just inside the observability middleware: a hit skips the rest of the chain (the
    compressed body is kept, so gzip is not paid again) but is still timed and logged."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = _key(request)
        if key is None:
            return self.get_response(request)
        cache = caches[ALIAS]
        entry = cache.get(key)
        response = self._miss(request, key, cache) if entry is None else _served(request, entry)
        if response.status_code != 200 or "ETag" not in response:
            return response
        return get_conditional_response(request, etag=response["ETag"], response=response)

    def _miss(self, request, key, cache):
        """The view asked without the request's conditions, so the whole page is kept; the
        304 is decided by the caller for a hit and a miss alike."""
        conditions = {name: request.META.pop(name) for name in CONDITIONAL if name in request.META}
        request._page_cache_replays = []
        try:
            response = self.get_response(request)
        finally:
            request.META.update(conditions)
        lifetime = _lifetime(response)
        if lifetime:
            entry = (time.time(), list(response.items()), response.content)
            cache.set(key, (*entry, request._page_cache_replays), lifetime)
        return response
