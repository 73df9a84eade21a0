"""A product's pictures, one page for everyone who may manage them: the owner's staff
(producer or merchant) and platform operators. Upload (several at once, for the product or
one SKU), move, make cover, remove; each calls one catalog.media service, which checks who
may. Also the site's favicon, which every browser asks for at /favicon.ico."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from omniretail.catalog import media
from omniretail.catalog import selectors as catalog
from omniretail.core import uploads
from omniretail.core.errors import DomainError, NotFound, field_error
from omniretail.web.views import _error

TEMPLATE = "web/catalogue/media.html"
ACTIONS = {
    "up": lambda **kw: media.move_image(offset=-1, **kw),
    "down": lambda **kw: media.move_image(offset=1, **kw),
    "cover": media.make_cover,
    "remove": media.remove_image,
}


@login_required
@require_GET
def products(request: HttpRequest) -> HttpResponse:
    """The products whose pictures this person manages (their organisations'; all for the
    platform), newest change first, 50 a page."""
    try:
        qs = catalog.products_for_actor(request.user)
    except DomainError as exc:
        return _error(request, exc)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "web/catalogue/products.html", {"page_obj": page})


def _page(request, product, status=200, **ctx) -> HttpResponse:
    ctx = {"product": product, "skus": product.skus.all(), "max_photos": uploads.MAX_PHOTOS, **ctx}
    return render(request, TEMPLATE, ctx, status=status)


def product_console(page):
    """A console page of one product this person manages (another organisation's is not
    found): GET shows `page(request, product)`, POST calls the view with the product."""

    def decorate(view):
        @login_required
        @require_http_methods(["GET", "POST"])
        @wraps(view)
        def wrapper(request: HttpRequest, public_id: str) -> HttpResponse:
            try:
                product = catalog.product_for_actor(request.user, public_id)
            except DomainError as exc:
                return _error(request, exc)
            if request.method == "GET":
                return page(request, product)
            return view(request, product)

        return wrapper

    return decorate


@product_console(_page)
def product_media(request: HttpRequest, product) -> HttpResponse:
    form = request.POST
    try:
        sku = None
        if form.get("sku"):
            sku = product.skus.filter(public_id=form["sku"]).first()
            if sku is None:
                raise NotFound(_("找不到该规格。"))
        files = uploads.photo_files(request, "photos")
        if not files:
            raise field_error("photos", _("请选择要上传的图片。"))
        with uploads.saved_images(files, folder="products") as stored:
            media.add_images(
                actor=request.user, product=product, images=stored, sku=sku, alt=form.get("alt", "")
            )
    except DomainError as exc:
        return _page(request, product, status=exc.status, error=exc, form=form)
    messages.success(request, _("已上传 %(n)s 张图片。") % {"n": len(files)})
    return redirect("web:product_media", public_id=product.public_id)


@login_required
@require_POST
def product_media_action(
    request: HttpRequest, public_id: str, image_id: int, action: str
) -> HttpResponse:
    try:
        product = catalog.product_for_actor(request.user, public_id)
        if action not in ACTIONS:
            raise NotFound()
        ACTIONS[action](actor=request.user, product=product, image_id=image_id)
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:product_media", public_id=product.public_id)


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("web/icons/favicon.ico"), permanent=True)
