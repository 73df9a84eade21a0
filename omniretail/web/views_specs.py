"""A product's specs (规格) page for whoever manages its pictures: the owner's staff and
platform operators. The axes are typed one a line (`颜色: 米白, 藏青`); saving generates the
missing combinations (catalog.specs.set_specs), and each combination's code, price and
on-sale switch are saved on their own (update_sku). catalog.specs checks who may."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniretail.catalog import selectors as catalog
from omniretail.catalog import specs
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.web.views import _error
from omniretail.web.views_media import product_console

TEMPLATE = "web/catalogue/specs.html"
NAME_SPLIT = re.compile(r"[:：]")
VALUE_SPLIT = re.compile(r"[,，、/]")


def parse_axes(text: str) -> list[dict]:
    """`颜色: 米白, 藏青` per line -> [{"name": "颜色", "values": ["米白", "藏青"]}]; the
    service then refuses empty, duplicate or too many values on their fields."""
    axes = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = NAME_SPLIT.split(line, maxsplit=1)
        if len(parts) != 2:
            raise field_error("attributes", _("每行写一个规格项，如“颜色: 米白, 藏青”。"))
        values = [v.strip() for v in VALUE_SPLIT.split(parts[1]) if v.strip()]
        axes.append({"name": parts[0].strip(), "values": values})
    return axes


def _axes_text(product) -> str:
    return "\n".join(f"{a.name}: {', '.join(a.values)}" for a in product.spec_attributes.all())


def _page(request, product, status=200, **ctx) -> HttpResponse:
    form = ctx.pop("form", None) or {"attributes": _axes_text(product)}
    ctx = {"product": product, "matrix": specs.matrix(product), "form": form, **ctx}
    ctx["inactive"] = [s for s in product.skus.all() if not s.is_active]
    return render(request, TEMPLATE, ctx, status=status)


@product_console(_page)
def product_specs(request: HttpRequest, product) -> HttpResponse:
    form = request.POST
    try:
        made = specs.set_specs(
            actor=request.user,
            product=product,
            attributes=parse_axes(form.get("attributes", "")),
            price=form.get("price") or None,
            code_prefix=form.get("code_prefix", ""),
        )
    except DomainError as exc:
        return _page(request, product, status=exc.status, error=exc, form=form)
    messages.success(request, _("规格已保存：共 %(n)s 个组合。") % {"n": len(made)})
    return redirect("web:product_specs", public_id=product.public_id)


@login_required
@require_POST
def sku_update(request: HttpRequest, public_id: str, sku_id: str) -> HttpResponse:
    try:
        product = catalog.product_for_actor(request.user, public_id)
        sku = product.skus.filter(public_id=sku_id).first()
        if sku is None:
            raise NotFound(_("找不到该规格。"))
    except DomainError as exc:
        return _error(request, exc)
    try:
        specs.update_sku(
            actor=request.user,
            sku=sku,
            code=request.POST.get("code"),
            price=request.POST.get("price") or None,
            is_active=request.POST.get("is_active") == "1",
        )
    except DomainError as exc:
        return _page(request, product, status=exc.status, error=exc, failed=sku.public_id)
    messages.success(request, _("“%(name)s”已保存。") % {"name": sku.name})
    return redirect("web:product_specs", public_id=product.public_id)
