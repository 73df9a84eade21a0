"""Merchandising pages for shoppers: 销售排行, the brand index and brand halls. The figures
come from merchandising's selectors; no business rule lives here."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from omniretail.catalog import selectors as catalog
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.merchandising import ranking as ranking_rules
from omniretail.merchandising import selectors
from omniretail.web.views import _error


def _region(code: str):
    if not code:
        return None
    for region in selectors.ranking_regions():
        if region.code == code:
            return region
    raise NotFound(_("找不到该地区。"))


@require_GET
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
def brands(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/merchandising/brands.html", {"tab": "home", "halls": selectors.brand_halls()}
    )


@require_GET
def brand(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        hall, goods = selectors.brand_hall(public_id)
    except DomainError as exc:
        return _error(request, exc)
    return render(
        request, "web/merchandising/brand.html", {"tab": "home", "hall": hall, "goods": goods}
    )
