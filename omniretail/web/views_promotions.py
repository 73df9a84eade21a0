"""门店促销 pages: the console's list and form for a store's owners and managers
(/merchant/promotions/), and a running promotion's public theme page
(/stores/<id>/promotions/<id>/). The rules live in `merchandising.promotions`."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.catalog.models import Category, Product
from omniretail.core import uploads
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.inventory import selectors as stock
from omniretail.merchandising import promotions
from omniretail.merchandising.models import Promotion
from omniretail.stores import selectors as stores
from omniretail.web.access import MANAGERS, staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchandising import _count, _when
from omniretail.web.views_merchant import _ctx

SHELF_CHOICES = 200


def _page(request: HttpRequest, store, *, status: int = 200, **extra) -> HttpResponse:
    shelf = stock.in_stock_at(store, limit=SHELF_CHOICES)
    ctx = _ctx(
        request,
        store,
        "promotions",
        promotions=Promotion.objects.filter(store=store)
        .prefetch_related("products")
        .order_by("-starts_at", "-id"),
        products=list({level.sku.product_id: level.sku.product for level in shelf}.values()),
        categories=Category.objects.filter(is_active=True).order_by("position", "name"),
        kinds=Promotion.Kind.choices,
        now=timezone.now(),
        form=request.POST,
        **extra,
    )
    return render(request, "web/merchant/promotions.html", ctx, status=status)


def _chosen(request: HttpRequest):
    """The products and category the form names; an unknown one is a field error."""
    ids = request.POST.getlist("products")
    products = list(Product.objects.filter(public_id__in=ids))
    if len(products) != len(set(ids)):
        raise field_error("products", _("请选择参加活动的商品。"))
    slug = request.POST.get("category", "")
    category = Category.objects.filter(slug=slug, is_active=True).first() if slug else None
    if slug and category is None:
        raise field_error("category", _("请选择一个类目。"))
    return products, category


@staff_required(roles=MANAGERS)
@require_http_methods(["GET", "POST"])
def promotions_page(request: HttpRequest, store) -> HttpResponse:
    if request.method == "GET":
        return _page(request, store)
    form = request.POST
    try:
        products, category = _chosen(request)
        files = uploads.photo_files(request, "image")
        if len(files) > 1:
            raise field_error("image", _("请只上传一张图片。"))
        with uploads.saved_images(files, folder="promotions", field="image") as stored:
            promotions.create_promotion(
                actor=request.user,
                store=store,
                title=form.get("title", ""),
                kind=form.get("kind", ""),
                percent=_count(form.get("percent")),
                amount=form.get("amount") or None,
                buy_n=_count(form.get("buy_n")),
                get_m=_count(form.get("get_m")),
                products=products,
                category=category,
                starts_at=_when(form.get("starts_at")),
                ends_at=_when(form.get("ends_at")),
                theme=form.get("theme", ""),
                image=next(iter(stored), None),
            )
    except DomainError as exc:
        return _page(request, store, status=exc.status, error=exc)
    messages.success(request, _("促销活动已保存。"))
    return redirect("web:m_promotions")


@staff_required(roles=MANAGERS)
@require_POST
def promotion_end(request: HttpRequest, store, public_id: str) -> HttpResponse:
    promotion = Promotion.objects.filter(store=store, public_id=public_id).first()
    if promotion is None:
        return _error(request, NotFound(_("找不到该促销活动。")))
    promotions.end_promotion(actor=request.user, promotion=promotion)
    messages.success(request, _("促销活动已结束。"))
    return redirect("web:m_promotions")


@require_GET
def theme_page(request: HttpRequest, store_id: str, public_id: str) -> HttpResponse:
    """A running promotion's page: its banner, theme text and the goods it covers."""
    try:
        store = stores.public_store(store_id)
    except DomainError as exc:
        return _error(request, exc)
    promotion = promotions.running([store]).filter(public_id=public_id).first()
    if promotion is None:
        return _error(request, NotFound(_("该促销活动不存在或已结束。")))
    ctx = {
        "tab": "nearby",
        "store": store,
        "promotion": promotion,
        "products": promotions.covered_products(promotion),
    }
    return render(request, "web/stores/promotion.html", ctx)
