"""Catalog pages a reverse proxy may share between anonymous visitors: a visitor who carries no
cookie but the CSRF one gets a page without a CSRF token, `Vary: Cookie` or a cookie of its
own, marked public for `OMNI_PUBLIC_PAGE_MAX_AGE` seconds, with an ETag. The browser fetches a
token from /csrf/ before its first write (behaviours.js), so the page's forms still work."""

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
    set_response_etag,
)
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET

PUBLIC_PAGES = frozenset(
    {
        "web:home",
        "web:categories",
        "web:category",
        "web:product",
        "web:search",
        "web:ranking",
        "web:brands",
        "web:brand",
        "web:store",
        # the catalog API's reads, which answer every anonymous caller alike
        "api:categories",
        "api:products",
        "api:product_detail",
    }
)


def is_public(request) -> bool:
    """A read of a catalog page by a visitor the page cannot tell from any other: no session,
    no language or message cookie (only the CSRF cookie, which the page does not use).
    Decided once the URL is resolved and kept on the request: the context processor and the
    middleware both ask."""
    decided = getattr(request, "_omni_public", None)
    if decided is not None:
        return decided
    match = request.resolver_match
    if match is None:  # not resolved (yet): a 404, or asked before the view
        return False
    request._omni_public = (
        request.method in ("GET", "HEAD")
        and match.view_name in PUBLIC_PAGES
        and set(request.COOKIES) <= {settings.CSRF_COOKIE_NAME}
    )
    return request._omni_public


def public_page_context(request) -> dict:
    """Templates render no token on a public page (`{% csrf_token %}` renders nothing when the
    token is empty), and `csrf_lazy` tells base.html to let the browser fetch one."""
    if is_public(request):
        return {"csrf_token": "", "csrf_lazy": True}
    return {}


class PublicPageMiddleware:
    """Sits outside the session, locale and CSRF middleware, so it sees the headers they
    added. A page that set a cookie, failed, or asked to stay private is left alone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not (
            is_public(request)
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
            and "private" not in response.get("Cache-Control", "")
        ):
            return response
        vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
        kept = [v for v in vary if v.lower() != "cookie"]
        if kept:
            response["Vary"] = ", ".join(kept)
        elif "Vary" in response:
            del response["Vary"]
        # htmx asks for the same URL and gets a fragment (加载更多): no cache may mix them up
        patch_vary_headers(response, ["HX-Request"])
        patch_cache_control(response, public=True, max_age=settings.OMNI_PUBLIC_PAGE_MAX_AGE)
        set_response_etag(response)
        return get_conditional_response(request, etag=response["ETag"], response=response)


@require_GET
@never_cache
@ensure_csrf_cookie
def csrf_cookie(request):
    """The CSRF cookie for a browser that read a public page; nothing in the body."""
    return HttpResponse(status=204)
