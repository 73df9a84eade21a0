"""Merchandising pages: for shoppers 销售排行, the brand index and brand halls; for producers
and the platform the 特价促销 console. No business rule lives here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from omniretail.catalog import selectors as catalog
from omniretail.catalog.models import Sku
from omniretail.core.errors import DomainError, NotFound, PermissionDenied, field_error
from omniretail.merchandising import ranking as ranking_rules
from omniretail.merchandising import selectors, services
from omniretail.web import mall
from omniretail.web.views import _error


def _region(code: str):
    if not code:
        return None
    for region in selectors.ranking_regions():
        if region.code == code:
            return region
    raise NotFound(_("找不到该地区。"))


@require_safe
def ranking(request: HttpRequest) -> HttpResponse:
    """?days=7|30 &category=<slug> &region=<code>; a value not understood is refused."""
    try:
        days = request.GET.get("days", "7")
        if days not in {str(d) for d in ranking_rules.PERIODS}:
            raise field_error("days", _("排行周期只能是 7 天或 30 天。"))
        slug = request.GET.get("category", "")
        category = catalog.category_by_slug(slug) if slug else None
        region = _region(request.GET.get("region", ""))
    except DomainError as exc:
        return _error(request, exc)
    ctx = {
        "tab": "home",
        "days": int(days),
        "periods": ranking_rules.PERIODS,
        "category": category,
        "region": region,
        "categories": selectors.ranked_categories(),
        "regions": selectors.ranking_regions(),
        "rows": selectors.ranking(days=int(days), category=category, region=region),
    }
    return render(request, "web/merchandising/ranking.html", ctx)


@require_GET
def product_guesses(request: HttpRequest, public_id: str) -> HttpResponse:
    """猜你喜欢 under a product page, fetched when the shopper scrolls to it, so the page
    itself keeps its query budget (web.mall.guesses says what is guessed)."""
    try:
        item = catalog.public_product(public_id)
    except DomainError as exc:
        return _error(request, exc)
    guesses = mall.guesses(request, mall.shopper_region(request), product=item)
    return render(request, "web/merchandising/_guesses.html", {"guesses": guesses})


@require_safe
def brands(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/merchandising/brands.html", {"tab": "home", "halls": selectors.brand_halls()}
    )


@require_safe
def brand(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        hall, goods = selectors.brand_hall(public_id)
    except DomainError as exc:
        return _error(request, exc)
    return render(
        request, "web/merchandising/brand.html", {"tab": "home", "hall": hall, "goods": goods}
    )


def _when(value: str):
    """A datetime-local field in the site's time zone; anything else is None (the service
    then names the field)."""
    parsed = parse_datetime(value or "")
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _count(value: str):
    value = (value or "").strip()
    return int(value) if value.isdigit() else (value or None)


@login_required
@require_http_methods(["GET", "POST"])
def specials(request: HttpRequest) -> HttpResponse:
    """特价促销 for producers and the platform: the list, and a form to start one."""
    user = request.user
    if not selectors.may_run_specials(user):
        return _error(request, PermissionDenied(_("特价促销仅对生产商和平台员工开放。")))
    ctx = {
        "tab": "me",
        "skus": selectors.manageable_skus(user),
        "specials": selectors.specials_for(user),
        "now": timezone.now(),
        "form": request.POST,
    }
    if request.method == "GET":
        return render(request, "web/merchandising/specials.html", ctx)
    try:
        sku = Sku.objects.select_related("product").filter(public_id=request.POST.get("sku"))
        if not sku.exists():
            raise field_error("sku", _("请选择商品规格。"))
        services.create_special(
            actor=user,
            sku=sku.get(),
            price=request.POST.get("price", ""),
            starts_at=_when(request.POST.get("starts_at")),
            ends_at=_when(request.POST.get("ends_at")),
            stock_cap=_count(request.POST.get("stock_cap")),
            per_member_limit=_count(request.POST.get("per_member_limit")),
        )
    except DomainError as exc:
        return _error(request, exc, "web/merchandising/specials.html", **ctx)
    messages.success(request, _("特价已保存。"))
    return redirect("web:specials")


@login_required
@require_POST
def end_special(request: HttpRequest, public_id: str) -> HttpResponse:
    if not selectors.may_run_specials(request.user):
        return _error(request, PermissionDenied(_("特价促销仅对生产商和平台员工开放。")))
    special = next(
        (s for s in selectors.specials_for(request.user) if s.public_id == public_id), None
    )
    if special is None:
        return _error(request, NotFound(_("找不到该特价。")))
    try:
        services.end_special(actor=request.user, special=special)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("特价已结束。"))
    return redirect("web:specials")
