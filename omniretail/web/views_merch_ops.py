"""The merchandising consoles at desktop width: brand halls (platform operators: logo and
banner through core.uploads, story, tagline, order, the goods shown first), 優品匯 slots and
home banners (platform operators for every region or one, a region's staff for theirs).
Each POST calls one merchandising service; a refusal is the page again with its status,
the field's message and what was typed."""

from contextlib import ExitStack
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.accounts.selectors import is_platform_operator
from omniretail.catalog.models import Product
from omniretail.core import uploads
from omniretail.core.errors import DomainError, NotFound, PermissionDenied, field_error
from omniretail.merchandising import selectors, services
from omniretail.merchandising.models import FeaturedSlot
from omniretail.web.access import operator_required
from omniretail.web.views import _error
from omniretail.web.views_merchandising import _when

T = "web/merchandising/ops_"


def curator_required(view):
    """Platform operators and regions' staff; everyone else gets the 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not selectors.may_curate(request.user):
            return _error(request, PermissionDenied(_("该页面仅对平台和运营中心人员开放。")))
        return view(request, *args, **kwargs)

    return wrapper


def _int(value, field: str) -> int:
    value = (value or "0").strip()
    try:
        return int(value)
    except ValueError:
        raise field_error(field, _("排序须为 -9999 到 9999 之间的整数。")) from None


def _one_picture(request, field: str) -> list:
    files = uploads.photo_files(request, field)
    if len(files) > 1:
        raise field_error(field, _("请只上传一张图片。"))
    return files


# --- brand halls ------------------------------------------------------------------------------


@operator_required
@require_GET
def brand_halls(request: HttpRequest) -> HttpResponse:
    return render(request, T + "halls.html", {"rows": selectors.all_halls()})


def _hall_page(request, brand, hall, status=200, **ctx) -> HttpResponse:
    chosen = {g.product_id: g.position for g in hall.goods.all()} if hall else {}
    goods = [(p, chosen.get(p.pk)) for p in selectors.public_product_choices(brand=brand)]
    ctx = {"brand": brand, "hall": hall, "goods": goods, "form": request.POST, **ctx}
    return render(request, T + "hall.html", ctx, status=status)


@operator_required
@require_http_methods(["GET", "POST"])
def brand_hall(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        brand, hall = selectors.hall_by_brand(public_id)
    except DomainError as exc:
        return _error(request, exc)
    if request.method == "GET":
        return _hall_page(request, brand, hall)
    form = request.POST
    try:
        picked = {
            p.pk: p
            for p in Product.objects.filter(brand=brand, public_id__in=form.getlist("goods"))
        }
        order = sorted(
            picked.values(), key=lambda p: (_int(form.get(f"pos_{p.public_id}"), "goods"), p.name)
        )
        with ExitStack() as stack:
            stored = {
                field: stack.enter_context(
                    uploads.saved_images(_one_picture(request, field), folder="brands", field=field)
                )
                for field in ("logo", "banner")
            }
            services.edit_brand_hall(
                actor=request.user,
                brand=brand,
                tagline=form.get("tagline", ""),
                story=form.get("story", ""),
                position=_int(form.get("position"), "position"),
                publish=form.get("publish") == "1",
                logo=next(iter(stored["logo"]), None),
                banner=next(iter(stored["banner"]), None),
                goods=order,
            )
    except DomainError as exc:
        return _hall_page(request, brand, hall, status=exc.status, error=exc)
    messages.success(request, _("品牌馆已保存。"))
    return redirect("web:ops_brand_hall", public_id=brand.public_id)


# --- 優品匯 -----------------------------------------------------------------------------------


def _featured_page(request, status=200, **ctx) -> HttpResponse:
    ctx = {
        "slots": selectors.featured_slots_for(request.user),
        "curators": selectors.curators_for(request.user),
        "products": selectors.public_product_choices(),
        "now": timezone.now(),
        "form": request.POST,
        **ctx,
    }
    return render(request, T + "featured.html", ctx, status=status)


@curator_required
@require_http_methods(["GET", "POST"])
def featured(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _featured_page(request)
    form = request.POST
    try:
        curator = next(
            (c for c in selectors.curators_for(request.user) if c.code == form.get("curator")),
            None,
        )
        if curator is None:
            raise field_error("curator", _("请选择投放范围。"))
        services.place_featured(
            actor=request.user,
            curator=curator,
            product=Product.objects.filter(public_id=form.get("product", "")).first(),
            starts_at=_when(form.get("starts_at")),
            ends_at=_when(form.get("ends_at")),
            position=_int(form.get("position"), "position"),
        )
    except DomainError as exc:
        return _featured_page(request, status=exc.status, error=exc)
    messages.success(request, _("已加入優品匯。"))
    return redirect("web:ops_featured")


@curator_required
@require_POST
def featured_end(request: HttpRequest, public_id: str) -> HttpResponse:
    slot = FeaturedSlot.objects.filter(
        public_id=public_id, curator__in=selectors.curators_for(request.user)
    ).first()
    if slot is None:
        return _error(request, NotFound(_("找不到该推荐。")))
    try:
        services.remove_featured(actor=request.user, slot=slot)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("已移出優品匯。"))
    return redirect("web:ops_featured")


# --- home banners -----------------------------------------------------------------------------


def _banners_page(request, status=200, **ctx) -> HttpResponse:
    ctx = {
        "banners": selectors.banners_for(request.user),
        "regions": selectors.curated_regions(request.user),
        "everywhere": is_platform_operator(request.user),
        "now": timezone.now(),
        "form": request.POST,
        **ctx,
    }
    return render(request, T + "banners.html", ctx, status=status)


@curator_required
@require_http_methods(["GET", "POST"])
def banners(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _banners_page(request)
    form = request.POST
    try:
        code = form.get("region", "")
        region = None
        if code:
            region = next(
                (r for r in selectors.curated_regions(request.user) if r.code == code), None
            )
            if region is None:
                raise field_error("region", _("请选择一个运营中心。"))
        files = _one_picture(request, "image")
        with uploads.saved_images(files, folder="banners", field="image") as stored:
            services.create_banner(
                actor=request.user,
                title=form.get("title", ""),
                image=next(iter(stored), None),
                link=form.get("link", ""),
                starts_at=_when(form.get("starts_at")),
                ends_at=_when(form.get("ends_at")),
                position=_int(form.get("position"), "position"),
                region=region,
            )
    except DomainError as exc:
        return _banners_page(request, status=exc.status, error=exc)
    messages.success(request, _("横幅已保存。"))
    return redirect("web:ops_banners")


@curator_required
@require_POST
def banner_end(request: HttpRequest, public_id: str) -> HttpResponse:
    banner = next(
        (b for b in selectors.banners_for(request.user) if b.public_id == public_id), None
    )
    if banner is None:
        return _error(request, NotFound(_("找不到该横幅。")))
    try:
        services.end_banner(actor=request.user, banner=banner)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("横幅已下线。"))
    return redirect("web:ops_banners")
