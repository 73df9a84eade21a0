"""The shopper's H5 pages. Views parse the request, call one selector or service and render;
refusals from the domain (DomainError) are shown on the page with their own HTTP status."""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from omniretail.accounts import backends
from omniretail.accounts import services as accounts
from omniretail.catalog import discovery, merge
from omniretail.catalog import selectors as catalog
from omniretail.core import page_cache
from omniretail.core.errors import DomainError, ValidationFailed, field_error
from omniretail.core.redirects import safe_return
from omniretail.core.throttle import client_ip
from omniretail.merchandising import promotions
from omniretail.merchandising import selectors as merchandising
from omniretail.notifications.selectors import notifications_for
from omniretail.orders import services as orders
from omniretail.payments.selectors import wallet_balance
from omniretail.privacy import services as privacy
from omniretail.shopping import services as shopping
from omniretail.stores import selectors as stores
from omniretail.web import mall

PAGE_SIZE = 20
HOME_GRID_SIZE = 6
NOTIFICATIONS_SHOWN = 10
CONSOLE_ORGANIZATION_KINDS = ("merchant", "platform")  # who the merchant console admits


def _error(request: HttpRequest, exc: DomainError, template: str = "web/error.html", **ctx):
    """Render a domain refusal as a friendly page (or fragment) with the error's status; a
    rate limit says when to try again, as the API does."""
    ctx.setdefault("tab", "")
    response = render(request, template, {"error": exc, **ctx}, status=exc.status)
    if retry_after := getattr(exc, "retry_after", None):
        response["Retry-After"] = str(retry_after)
    return response


def _day(value: str | None, field: str) -> date | None:
    """A date typed into a filter or form (YYYY-MM-DD); empty is None, anything else a 422
    on `field`."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise field_error(field, _("日期格式应为 YYYY-MM-DD。")) from None


def _page(request: HttpRequest, object_list):
    """Paginate by ?page=; a page that is not a number or past the end falls back sensibly."""
    return Paginator(object_list, PAGE_SIZE).get_page(request.GET.get("page"))


def _cards_page(page):
    """A page of catalog.as_cards products with their pictures (catalog.with_pictures)."""
    page.object_list = catalog.with_pictures(page.object_list)
    return page


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The mall of the shopper's region (web.mall): its running banners, featured goods,
    優品匯, running specials and 猜你喜欢."""
    region = mall.shopper_region(request)
    return render(
        request,
        "web/home.html",
        {
            "tab": "home",
            "max_query_length": catalog.MAX_QUERY_LENGTH,
            "banners": merchandising.running_banners(region=region),
            **mall.home_sections(request, region, size=HOME_GRID_SIZE),
        },
    )


@require_safe
def categories(request: HttpRequest) -> HttpResponse:
    ctx = {
        "tab": "categories",
        "tree": catalog.category_tree(),
        "max_query_length": catalog.MAX_QUERY_LENGTH,
    }
    return render(request, "web/categories.html", ctx)


@require_safe
def category(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        cat = catalog.category_by_slug(slug)
    except DomainError as exc:
        return _error(request, exc)
    page_obj = _cards_page(
        _page(request, mall.products(mall.shopper_region(request), category=cat))
    )
    template = "web/_product_page.html" if request.htmx else "web/category.html"
    return render(request, template, {"tab": "categories", "category": cat, "page_obj": page_obj})


@require_safe
def product(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        item = catalog.public_product(public_id)
    except DomainError as exc:
        # a listing merged into another (catalog.merge) sends its old links there
        if kept := merge.merged_into(public_id):
            return redirect("web:product", public_id=kept.public_id)
        return _error(request, exc)
    if request.user.is_authenticated:
        shopping.record_view(user=request.user, product=item)
    return render(request, "web/product.html", {"tab": "", "product": item})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Results 20 at a time like the API (加载更多 fetches the next page as a fragment),
    sorted and filtered (brand, price range, 附近有货) from the query string; before typing,
    the hot words and the member's own recent searches. A first page is logged."""
    query = request.GET.get("q", "").strip()
    keys = ("sort", "brand", "min_price", "max_price", "nearby", "lat", "lon")
    choice = {key: request.GET.get(key, "").strip() for key in keys}
    ctx = {
        "tab": "home",
        "query": query,
        "choice": choice,
        "page_obj": None,
        "max_query_length": catalog.MAX_QUERY_LENGTH,
    }
    template = "web/_search_page.html" if request.htmx else "web/search.html"
    if not query:
        ctx["hot_words"] = discovery.hot_words()
        ctx["history"] = discovery.history(request.user)
        return render(request, template, ctx)
    near = {}
    if choice["nearby"]:
        # without a position from the browser, around the city centre (as 附近门店 does)
        ctx["near_fallback"] = not (choice["lat"] or choice["lon"])
        lat, lon = (
            settings.OMNI_CITY_CENTER if ctx["near_fallback"] else (choice["lat"], choice["lon"])
        )
        near = {"lat": lat, "lon": lon}
        ctx["city"] = settings.OMNI_CITY_NAME
    number = request.GET.get("page") or ""
    try:
        # counted as far as this page's end at least, so a page always knows there is a next
        found, count, exact = catalog.counted_search(
            query,
            at_least=(int(number) if number.isdigit() else 1) * PAGE_SIZE,
            sort=choice["sort"] or "relevance",
            brand=choice["brand"] or None,
            min_price=choice["min_price"] or None,
            max_price=choice["max_price"] or None,
            **near,
        )
        ctx["page_obj"], ctx["result_count"], ctx["count_exact"] = _search_page(
            catalog.as_cards(found), number, count, exact
        )
        if not request.htmx:  # the next page's fragment has no filter panel
            ctx["brands"] = catalog.brands_among(found)
            page_cache.run_and_replay(  # logged for hot words from the page cache too
                request,
                discovery.record_search,
                query=query,
                result_count=ctx["result_count"],
                member=request.user,
            )
    except DomainError as exc:
        return _error(request, exc, template, **ctx)
    return render(request, template, ctx)


def _search_page(found, number: str, count: int, exact: bool):
    """The page of search results, their count and whether it is exact: counted only up to
    catalog.count_matches's cap (or this page's end), so the count label says 1000+."""
    paginator = Paginator(found, PAGE_SIZE)
    paginator.count = count if exact else count + 1  # one more: there is a next page
    return _cards_page(paginator.get_page(number)), count, exact


@require_GET
def nearby(request: HttpRequest) -> HttpResponse:
    return render(request, "web/nearby.html", {"tab": "nearby"})


@require_GET
def nearby_results(request: HttpRequest) -> HttpResponse:
    """Stores around ?lat=&lon=; without both, around the demo city's centre (the shopper
    declined or has no geolocation). As a fragment for htmx, as a full page otherwise."""
    lat, lon = request.GET.get("lat"), request.GET.get("lon")
    fallback = lat is None and lon is None
    template = "web/_nearby_results.html" if request.htmx else "web/nearby.html"
    ctx = {"tab": "nearby", "fallback": fallback, "city": settings.OMNI_CITY_NAME}
    try:
        if fallback:
            lat, lon = settings.OMNI_CITY_CENTER
        ctx["results"] = stores.nearby_stores(lat=lat, lon=lon)
    except DomainError as exc:
        return _error(request, exc, template, **ctx)
    promoting = promotions.stores_promoting([hit.store for hit in ctx["results"]])
    for hit in ctx["results"]:
        hit.store.running_promotion = promoting.get(hit.store.pk)
    if ctx["results"] and not fallback:
        mall.remember_region(request, ctx["results"][0].store)
    ctx["loaded"] = True
    return render(request, template, ctx)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return safe_return(target, host=request.get_host(), https=request.is_secure())


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Shoppers: phone, then the SMS code. Staff: username and password (mode=staff)."""
    mode = "staff" if (request.POST or request.GET).get("mode") == "staff" else "phone"
    ctx = {"tab": "me", "mode": mode, "next": _safe_next(request), "step": "phone"}
    if request.method == "GET":
        return render(request, "web/login.html", ctx)

    action = request.POST.get("action")
    phone = request.POST.get("phone", "").strip()
    ctx["phone"] = phone
    try:
        if action == "send_code":
            try:
                accounts.request_login_code(phone=phone, client_ip=client_ip(request))
            except DomainError as exc:
                # A code was sent moments ago when the resend is refused: let them enter it.
                ctx["step"] = "code" if exc.status == 429 else "phone"
                raise
            ctx["step"] = "code"
            ctx["sent"] = True
            return render(request, "web/login.html", ctx)
        if action == "verify":
            ctx["step"] = "code"
            ctx["consent"] = accepted = request.POST.get("consent") == "1"
            privacy.require_consent(phone=phone, accepted=accepted)  # before the code is used
            user = accounts.verify_login_code(phone=phone, code=request.POST.get("code", ""))
            if accepted:
                privacy.record_consent(user=user, client_ip=client_ip(request))
            return _signed_in(request, user, ctx["next"])
        if action == "staff":
            ctx["username"] = request.POST.get("username", "").strip()
            user = accounts.password_login(
                username=ctx["username"],
                password=request.POST.get("password", ""),
                client_ip=client_ip(request),
            )
            return _signed_in(request, user, ctx["next"])
        raise ValidationFailed(_("请求无效。"))
    except DomainError as exc:
        return _error(request, exc, "web/login.html", **ctx)


def _signed_in(request: HttpRequest, user, next_url: str) -> HttpResponse:
    """Log in, then fold the anonymous cart into the member's: login() renews the session
    key, so the old key is read first."""
    anonymous_key = request.session.session_key
    login(request, user, backend=backends.PATH)
    if anonymous_key:
        orders.merge_session_cart(session_key=anonymous_key, user=user)
    return redirect(next_url or "web:me")


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("您已退出登录。"))
    return redirect("web:home")


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    memberships = request.user.memberships.select_related("organization").order_by(
        "organization__kind", "organization__name"
    )
    notes = notifications_for(request.user)
    ctx = {
        "tab": "me",
        "memberships": memberships,
        "notifications": notes[:NOTIFICATIONS_SHOWN],
        "unread": notes.filter(read_at__isnull=True).count(),
        "balance": wallet_balance(request.user),
        "is_staff_member": any(
            m.organization.kind in CONSOLE_ORGANIZATION_KINDS for m in memberships
        ),
    }
    return render(request, "web/me.html", ctx)
