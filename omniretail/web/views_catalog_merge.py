"""The platform's page for duplicate goods (catalog.merge, docs/catalog-merge.md): the groups
the data-quality check finds, a confirmation that shows both listings side by side before
合并, and the merges made so far with 撤销."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from omniretail.analytics import quality
from omniretail.catalog import merge
from omniretail.catalog.models import Product
from omniretail.core.errors import DomainError, field_error
from omniretail.inventory import listing_merge
from omniretail.web.access import operator_required

LABELS = {
    "shopping.favourite.product": _lazy("收藏"),
    "shopping.productview.product": _lazy("足迹"),
    "reviews.productreview.product": _lazy("评价"),
    "orders.cartline.sku": _lazy("购物车商品"),
    listing_merge.STOCK: _lazy("门店库存"),
}


def _page(request: HttpRequest, status: int = 200, **extra) -> HttpResponse:
    ctx = {
        "groups": quality.duplicate_products()[: quality.LIMIT],
        "merges": [
            {"record": r, "moved": _moved(merge.counts(r))}
            for r in merge.merges(actor=request.user)
        ],
        **extra,
    }
    return render(request, "web/catalogue/merges.html", ctx, status=status)


def _moved(counts: dict, *, zeros: bool = False) -> list[tuple[str, int]]:
    return [(LABELS[k], n) for k, n in counts.items() if k in LABELS and (n or zeros)]


@operator_required
@require_http_methods(["GET"])
def ops_goods_merges(request: HttpRequest) -> HttpResponse:
    """Goods listed twice, each group oldest first: 合并 opens the confirmation."""
    return _page(request)


def _listing(public_id: str, field: str) -> Product:
    product = (
        Product.objects.select_related("owner", "brand", "category")
        .prefetch_related("skus")
        .filter(public_id=public_id)
        .first()
    )
    if product is None:
        raise field_error(field, _("找不到该商品。"))
    return product


@operator_required
@require_http_methods(["GET", "POST"])
def ops_goods_merge(request: HttpRequest) -> HttpResponse:
    """GET ?keep=&duplicate= shows both listings side by side with what would move; POST
    merges (confirm=1 for goods of different owners or brands)."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        keep = _listing(data.get("keep", ""), "keep")
        dup = _listing(data.get("duplicate", ""), "duplicate")
    except DomainError as exc:
        return _page(request, status=exc.status, error=exc)
    if request.method == "POST":
        try:
            listing_merge.merge_listings_with_stock(
                keep=keep.public_id,
                duplicate=dup.public_id,
                by=request.user,
                confirm=bool(data.get("confirm")),
            )
        except DomainError as exc:
            return _confirm(request, keep, dup, status=exc.status, error=exc)
        messages.success(request, _("已合并，可在合并记录中撤销。"))
        return redirect("web:ops_goods_merges")
    return _confirm(request, keep, dup)


def _confirm(request, keep: Product, dup: Product, *, status: int = 200, **extra) -> HttpResponse:
    pairs = merge.sku_map(duplicate=dup, keep=keep)
    kept_skus = {s.pk: s for s in keep.skus.all()}
    ctx = {
        "keep": keep,
        "dup": dup,
        "skus": [(s, kept_skus.get(pairs.get(str(s.pk)))) for s in dup.skus.all()],
        "moving": _moved(listing_merge.preview(duplicate=dup, keep=keep), zeros=True),
        "needs_confirm": merge.different(keep, dup),
        **extra,
    }
    return render(request, "web/catalogue/merge_confirm.html", ctx, status=status)


@operator_required
@require_POST
def ops_goods_merge_undo(request: HttpRequest, merge_id: str) -> HttpResponse:
    try:
        listing_merge.undo_merge_with_stock(merge_id=merge_id, by=request.user)
    except DomainError as exc:
        return _page(request, status=exc.status, error=exc)
    messages.success(request, _("已撤销合并。"))
    return redirect("web:ops_goods_merges")
