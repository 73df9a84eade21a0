"""The catalogue over JSON: public browsing and search, and the staff side that lists,
edits, submits and reviews products. Money goes out as a decimal string."""

import math

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from omniretail.accounts.auth import AUTH
from omniretail.catalog import discovery, duplicates, merge, selectors, services, specs
from omniretail.catalog.models import Category, Product, Sku
from omniretail.catalog.schemas import (
    CategoryIn,
    CategoryOut,
    ManagedProductOut,
    ManagedProductPageOut,
    ProductIn,
    ProductOut,
    ProductPageOut,
    ProductPatchIn,
    ReviewIn,
    SkuIn,
    SkuOut,
    SkuPatchIn,
    SpecsIn,
    SuggestionsOut,
)
from omniretail.core import page_cache
from omniretail.core.errors import NotFound, field_error
from omniretail.core.money import MoneyIn

router = Router(tags=["catalog"])

MAX_PAGE = 10_000
MAX_PAGE_SIZE = 100


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def _category_out(node: Category) -> dict:
    return {
        "slug": node.slug,
        "name": node.name,
        "name_en": node.name_en,
        "icon": node.icon,
        "product_count": getattr(node, "product_count", 0),
        "children": [_category_out(c) for c in getattr(node, "children_list", [])],
    }


def _sku_out(sku: Sku) -> dict:
    return {
        "id": sku.public_id,
        "code": sku.code,
        "name": sku.name,
        "attributes": sku.attributes,
        "price": _money(sku.price),
        "is_active": sku.is_active,
    }


def _pictures(product: Product) -> list:
    """A list's pictures (selectors.with_pictures), else the product's prefetched ones."""
    rows = getattr(product, "card_images", None)
    return list(product.images.all()) if rows is None else rows


def _summary(product: Product) -> dict:
    images = _pictures(product)
    return {
        "id": product.public_id,
        "name": product.name,
        "subtitle": product.subtitle,
        "price": _money(product.price),
        "compare_at_price": _money(product.compare_at_price),
        "image": images[0].url if images else None,
        "brand": {"id": product.brand.public_id, "name": product.brand.name}
        if product.brand
        else None,
        "category": {"slug": product.category.slug, "name": product.category.name},
        "is_featured": product.is_featured,
        "is_special_offer": product.is_special_offer,
        "is_free_sample": getattr(product, "has_running_sample", False),
    }


def _detail(product: Product) -> dict:
    return {
        **_summary(product),
        "description": product.description,
        "images": [{"url": i.url, "alt": i.alt} for i in product.images.all()],
        "skus": [_sku_out(s) for s in product.skus.all()],
        "spec_attributes": [
            {"name": a.name, "values": a.values} for a in product.spec_attributes.all()
        ],
    }


def _managed(product: Product) -> dict:
    return {
        **_detail(product),
        "owner_id": product.owner.public_id,
        "status": product.status,
        "rejection_reason": product.rejection_reason,
        "submitted_at": product.submitted_at,
        "reviewed_at": product.reviewed_at,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def _page(qs: QuerySet, page: int, page_size: int, render, counted=None, load=list) -> dict:
    """`counted`: (count, exact) when the caller counted (a search counts up to a cap:
    selectors.count_matches); `pages` then offers one more page past a count not exact.
    `load` reads the page's rows (selectors.with_pictures: with their pictures)."""
    count, exact = counted or (qs.count(), True)
    start = (page - 1) * page_size
    items = [render(p) for p in load(qs[start : start + page_size])] if start < count else []
    return {
        "items": items,
        "count": count,
        "count_exact": exact,
        "page": page,
        "page_size": page_size,
        "pages": math.ceil(count / page_size) + (0 if exact else 1),
    }


def _category_for_input(slug: str | None, field: str = "category") -> Category | None:
    if slug is None:
        return None
    try:
        return selectors.category_by_slug(slug)
    except NotFound:
        raise field_error(field, _("找不到该分类。")) from None


# --- public -------------------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut], auth=None)
def categories(request):
    return [_category_out(root) for root in selectors.category_tree()]


@router.get("/products", response=ProductPageOut, auth=None)
def products(
    request,
    q: str = Query("", max_length=selectors.MAX_QUERY_LENGTH),
    category: str | None = Query(None, max_length=60),
    featured: bool | None = None,
    special_offer: bool | None = None,
    free_sample: bool | None = None,
    sort: str = Query("relevance", max_length=20),
    brand: str | None = Query(None, max_length=40),
    min_price: MoneyIn | None = None,
    max_price: MoneyIn | None = None,
    lat: float | None = Query(None, description="附近有货：购物者的纬度（与 lon 同时提供）"),
    lon: float | None = Query(None, description="附近有货：购物者的经度"),
    radius_km: int = Query(5, ge=1, le=selectors.MAX_NEAR_KM, description="附近有货的范围"),
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
):
    """With `q`: a search (docs/search.md), sorted by `sort` (`relevance`, `sales`,
    `price`, `-price`, `newest`) and filtered by brand, price range and, with `lat` and
    `lon`, stock in a store within `radius_km`; its first page is logged for hot words.
    A search counts up to 1,000 matches (or to the end of the page asked for): past that,
    `count_exact` is false and `count` is where counting stopped (show “1000+”)."""
    filters = {
        "category": selectors.category_by_slug(category) if category else None,
        "featured": featured,
        "special_offer": special_offer,
        "free_sample": free_sample,
    }
    if not q.strip():
        listed = selectors.with_sample_flag(
            selectors.without_skus(selectors.public_products(**filters))
        )
        return _page(listed, page, page_size, _summary, load=selectors.with_pictures)
    ranking = {"sort": sort, "brand": brand, "min_price": min_price, "max_price": max_price}
    near = {"lat": lat, "lon": lon, "radius_km": radius_km}
    found = selectors.search_products(q, **filters, **ranking, **near)
    counted = selectors.count_matches(found, at_least=page * page_size)
    listed = selectors.with_sample_flag(selectors.without_skus(found))
    body = _page(listed, page, page_size, _summary, counted, load=selectors.with_pictures)
    if page == 1:
        page_cache.run_and_replay(  # logged for hot words from the page cache too
            request,
            discovery.record_search,
            query=q,
            result_count=body["count"],
            member=request.user,
        )
    return body


@router.get("/suggestions", response=SuggestionsOut, auth=None)
def suggestions(request, q: str = Query("", max_length=selectors.MAX_QUERY_LENGTH)):
    """联想: up to 10 completions of what is typed (prefix, pinyin or initials) from hot
    words, brands, categories and product names; none for a blank query."""
    return {"query": q, "items": discovery.suggest(q)}


MERGED = {
    "description": "No such product on sale. A listing merged into another answers `code` "
    "`merged` with `details.merged_into`: the kept product's id (after every later merge); "
    "ask for that one instead (docs/catalog-merge.md).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


@router.get(
    "/products/{product_id}",
    response=ProductOut,
    auth=None,
    openapi_extra={"responses": {404: MERGED}},
)
def product_detail(request, product_id: str):
    """One product on sale. A duplicate listing merged away is 404 `merged` with
    `details.merged_into`, the kept product's id, as the shop's page redirects there."""
    try:
        return _detail(selectors.public_product(product_id, sample_flag=True))
    except NotFound:
        kept = merge.merged_into(product_id)
        if kept is None:
            raise
        raise NotFound(
            _("该商品已合并到“%(name)s”。") % {"name": kept.name},
            code="merged",
            details={"merged_into": kept.public_id},
        ) from None


# --- staff --------------------------------------------------------------------------------


@router.get("/manage/products", response=ManagedProductPageOut, auth=AUTH)
def managed_products(
    request,
    status: Product.Status | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGE),
    page_size: int = Query(20, ge=1, le=MAX_PAGE_SIZE),
):
    qs = selectors.products_for_actor(request.auth, status=status)
    return _page(qs, page, page_size, _managed)


def _reload(request, product: Product) -> dict:
    return _managed(selectors.product_for_actor(request.auth, product.public_id))


@router.post("/manage/products", response={201: ManagedProductOut}, auth=AUTH)
def create_product(request, payload: ProductIn):
    """A draft listing. A name giving the same words (jieba, case, width, spaces and
    punctuation folded) as one of the owner's products under the same brand is 409
    `possible_duplicate` with `details.duplicates` (`id`, `name` of each) and nothing is
    written, unless `confirm_duplicate` is true."""
    owner = selectors.listing_owner_for_actor(request.auth, payload.owner)
    brand = selectors.brand_by_public_id(payload.brand) if payload.brand else None
    duplicates.check(
        owner=owner, brand=brand, name=payload.name, confirmed=payload.confirm_duplicate
    )
    product = services.create_product(
        actor=request.auth,
        owner=owner,
        category=_category_for_input(payload.category),
        brand=brand,
        name=payload.name,
        subtitle=payload.subtitle,
        description=payload.description,
        skus=[s.model_dump() for s in payload.skus],
        images=payload.images,
        compare_at_price=payload.compare_at_price,
    )
    return Status(201, _reload(request, product))


@router.get("/manage/products/{product_id}", response=ManagedProductOut, auth=AUTH)
def managed_product(request, product_id: str):
    return _managed(selectors.product_for_actor(request.auth, product_id))


@router.patch("/manage/products/{product_id}", response=ManagedProductOut, auth=AUTH)
def update_product(request, product_id: str, payload: ProductPatchIn):
    """Only the fields sent change. A new name or brand that duplicates another of the
    owner's products is 409 `possible_duplicate`, as on create, unless `confirm_duplicate`."""
    product = selectors.product_for_actor(request.auth, product_id)
    changes = payload.model_dump(exclude_unset=True)
    confirmed = bool(changes.pop("confirm_duplicate", False))
    if "category" in changes:
        changes["category"] = _category_for_input(changes["category"])
    if changes.get("brand"):
        changes["brand"] = selectors.brand_by_public_id(changes["brand"])
    name = changes.get("name") or product.name
    brand = (changes["brand"] or None) if "brand" in changes else product.brand
    if brand != product.brand or duplicates.words(name) != duplicates.words(product.name):
        duplicates.check(
            owner=product.owner, brand=brand, name=name, confirmed=confirmed, exclude=product
        )
    services.update_product(actor=request.auth, product=product, **changes)
    return _reload(request, product)


@router.post("/manage/products/{product_id}/skus", response={201: SkuOut}, auth=AUTH)
def add_sku(request, product_id: str, payload: SkuIn):
    product = selectors.product_for_actor(request.auth, product_id)
    sku = services.add_sku(actor=request.auth, product=product, **payload.model_dump())
    return Status(201, _sku_out(sku))


@router.patch("/manage/skus/{sku_id}", response=SkuOut, auth=AUTH)
def update_sku(request, sku_id: str, payload: SkuPatchIn):
    sku = selectors.sku_for_actor(request.auth, sku_id)
    changes = payload.model_dump(exclude_unset=True, exclude_none=True)
    return _sku_out(specs.update_sku(actor=request.auth, sku=sku, **changes))


@router.put("/manage/products/{product_id}/specs", response=ManagedProductOut, auth=AUTH)
def set_specs(request, product_id: str, payload: SpecsIn):
    product = selectors.product_for_actor(request.auth, product_id)
    specs.set_specs(
        actor=request.auth,
        product=product,
        attributes=[a.model_dump() for a in payload.attributes],
        price=payload.price,
        code_prefix=payload.code_prefix,
    )
    return _reload(request, product)


@router.post("/manage/products/{product_id}/submit", response=ManagedProductOut, auth=AUTH)
def submit_product(request, product_id: str):
    product = selectors.product_for_actor(request.auth, product_id)
    services.submit_product(actor=request.auth, product=product)
    return _reload(request, product)


@router.post("/manage/products/{product_id}/review", response=ManagedProductOut, auth=AUTH)
def review_product(request, product_id: str, payload: ReviewIn):
    product = selectors.product_for_actor(request.auth, product_id)
    services.review_product(
        actor=request.auth, product=product, approve=payload.approve, reason=payload.reason
    )
    return _reload(request, product)


@router.post("/manage/categories", response={201: CategoryOut}, auth=AUTH)
def create_category(request, payload: CategoryIn):
    category = services.create_category(
        actor=request.auth,
        name=payload.name,
        slug=payload.slug,
        parent=_category_for_input(payload.parent, "parent"),
        name_en=payload.name_en,
        icon=payload.icon,
        position=payload.position,
    )
    return Status(201, _category_out(category))
