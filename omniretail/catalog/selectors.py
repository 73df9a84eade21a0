"""Reads for the catalogue. Shoppers see approved products only; staff see their own
organisations' products (platform operators see all); anyone else's is "not found"."""

from decimal import Decimal

from django.db.models import BooleanField, Case, Count, Prefetch, QuerySet, Value, When
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization, User
from omniretail.accounts.selectors import is_platform_operator, organizations_of, require_user
from omniretail.catalog import availability, offers, search
from omniretail.catalog.models import Brand, Category, Product, ProductImage, Sku
from omniretail.core.errors import NotFound, field_error
from omniretail.core.geo import validate_point
from omniretail.core.money import parse_money

MAX_QUERY_LENGTH = 100


def _active_categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).order_by("position", "name", "id"))


def category_tree() -> list[Category]:
    """Active root categories, each node with `.children_list` and `.product_count` (approved
    products in it or below). Two queries, whatever the depth of the tree."""
    nodes = _active_categories()
    by_id = {c.pk: c for c in nodes}
    counts = dict(
        Product.objects.filter(status=Product.Status.APPROVED, category__in=by_id)
        .values_list("category")
        .annotate(n=Count("id"))
        .order_by()
    )
    for node in nodes:
        node.children_list = []
    roots = []
    for node in nodes:
        parent = by_id.get(node.parent_id)
        if parent is not None:
            parent.children_list.append(node)
        elif node.parent_id is None:
            roots.append(node)

    def total(node: Category) -> int:
        node.product_count = counts.get(node.pk, 0) + sum(total(c) for c in node.children_list)
        return node.product_count

    for root in roots:
        total(root)
    return roots


def category_by_slug(slug: str) -> Category:
    category = Category.objects.filter(slug=slug, is_active=True).first()
    if category is None:
        raise NotFound(_("找不到该分类。"))
    return category


def _with_descendants(category: Category) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    ids, stack = [], [category.pk]
    while stack:
        pk = stack.pop()
        ids.append(pk)
        stack.extend(children.get(pk, []))
    return ids


def _images() -> Prefetch:
    return Prefetch("images", queryset=ProductImage.objects.order_by("-is_cover", "position", "id"))


def _for_display(qs: QuerySet[Product]) -> QuerySet[Product]:
    return qs.select_related("brand", "category").prefetch_related(
        Prefetch("skus", queryset=Sku.objects.filter(is_active=True).order_by("price", "id")),
        _images(),
    )


def without_skus(qs: QuerySet[Product]) -> QuerySet[Product]:
    """`qs` (public_products, a search) as a list shows it: brand and category, no SKUs (it
    shows the product's own price; reading every product's SKUs was a query and a fifth
    of an API list's CPU, issue 22) and no pictures: with_pictures reads a page's."""
    return qs.prefetch_related(None)


def with_sample_flag(qs: QuerySet[Product]) -> QuerySet[Product]:
    """`has_running_sample` on each product, for the API's `is_free_sample` (pages read the
    running offers once per request instead, so their listings skip the subquery)."""
    sampled = Case(
        When(pk__in=offers.sampled_product_ids(), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return qs.annotate(has_running_sample=sampled)


def _filtered(
    qs: QuerySet[Product],
    *,
    category: Category | None,
    featured: bool | None,
    special_offer: bool | None,
    free_sample: bool | None,
) -> QuerySet[Product]:
    if category is not None:
        qs = qs.filter(category__in=_with_descendants(category))
    if featured is not None:
        qs = qs.filter(is_featured=featured)
    if special_offer is not None:
        qs = qs.filter(is_special_offer=special_offer)
    if free_sample is not None:
        sampled = offers.sampled_product_ids()
        qs = qs.filter(pk__in=sampled) if free_sample else qs.exclude(pk__in=sampled)
    return qs


def _approved() -> QuerySet[Product]:
    return _for_display(Product.objects.filter(status=Product.Status.APPROVED))


def public_products(
    *,
    category: Category | None = None,
    featured: bool | None = None,
    special_offer: bool | None = None,
    free_sample: bool | None = None,
) -> QuerySet[Product]:
    """Approved products for the shop, featured first, then newest."""
    qs = _filtered(
        _approved(),
        category=category,
        featured=featured,
        special_offer=special_offer,
        free_sample=free_sample,
    )
    return qs.order_by("-is_featured", "-created_at", "-id")


SEARCH_SORTS = {
    "relevance": ("search_rank", "-is_featured", "-created_at", "-id"),  # 综合
    "price": ("price", "search_rank", "-id"),
    "-price": ("-price", "search_rank", "-id"),
    "newest": ("-created_at", "-id"),  # 新品
    "sales": ("-sales_units", "search_rank", "-id"),  # 销量: units sold in 30 days
}
# A one-character query is not ranked (search.is_broad): 综合 and 新品 are the orders of the
# indexes catalog_product_listing and catalog_product_newest, walked until a page matches.
BROAD_SORTS = SEARCH_SORTS | {
    "relevance": ("-is_featured", "-created_at", "-id"),
    "price": ("price", "-id"),
    "-price": ("-price", "-id"),
    "sales": ("-sales_units", "-id"),
}
# A search counts its matches up to this many (or to the end of the page asked for): past
# it the count reads "1000+", since counting 24,000 matches means reading 24,000 rows.
SEARCH_COUNT_CAP = 1000
MAX_NEAR_KM = 50


def _near(lat, lon, radius_km) -> tuple[float, float, int] | None:
    """The shopper's position and reach for 附近有货, or None when neither coordinate is
    given; one without the other, or a reach outside 1 to MAX_NEAR_KM km, is refused."""
    if lat in (None, "") and lon in (None, ""):
        return None
    if lat in (None, "") or lon in (None, ""):
        field = "lon" if lat not in (None, "") else "lat"
        raise field_error(field, _("附近有货需要同时提供经度和纬度。"))
    try:
        km = int(radius_km if radius_km not in (None, "") else 5)
    except (TypeError, ValueError):
        km = 0
    if not 1 <= km <= MAX_NEAR_KM:
        raise field_error(
            "radius_km", _("范围须为 1 到 %(n)s 公里之间的整数。") % {"n": MAX_NEAR_KM}
        )
    lat, lon = validate_point(lat, lon)
    return lat, lon, km * 1000


def _price_bound(value, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    amount = parse_money(value, field=field)
    if amount < 0:
        raise field_error(field, _("价格不能为负数。"))
    return amount


def _search(
    query: str,
    *,
    category: Category | None = None,
    featured: bool | None = None,
    special_offer: bool | None = None,
    free_sample: bool | None = None,
    brand: str | None = None,
    min_price: Decimal | str | None = None,
    max_price: Decimal | str | None = None,
    sort: str = "relevance",
    lat=None,
    lon=None,
    radius_km=None,
) -> tuple[QuerySet[Product], QuerySet[Product] | None]:
    """Approved products matching the query (its words and their synonyms, its pinyin, its
    English keywords, or a part of the name: see `search`), best match first, featured
    first among equals; or sorted by sales, price or newest first. `brand` is a brand's
    public id; the price range is inclusive, on the product's lowest price; with `lat` and
    `lon`, only what a store within `radius_km` (5 by default) has in stock. A query
    without a letter or digit is refused on `q`. With them, on PostgreSQL, the names that
    look like the query (search.look_alikes), in the same order, for when none match."""
    query = (query or "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise field_error("q", _("搜索词不能超过 %(n)s 个字。") % {"n": MAX_QUERY_LENGTH})
    if sort not in SEARCH_SORTS:
        raise field_error("sort", _("请选择排序方式：综合、销量、价格或新品。"))
    low, high = _price_bound(min_price, "min_price"), _price_bound(max_price, "max_price")
    if low is not None and high is not None and high < low:
        raise field_error("max_price", _("最高价不能低于最低价。"))
    brand_row = brand_by_public_id(brand) if brand else None
    near = _near(lat, lon, radius_km)
    if not query:
        return Product.objects.none(), None
    clauses = search.parse(query)
    if not clauses:
        raise field_error("q", _("搜索词需要包含文字或数字。"))
    base = _filtered(
        _approved(),
        category=category,
        featured=featured,
        special_offer=special_offer,
        free_sample=free_sample,
    )
    if brand_row is not None:
        base = base.filter(brand=brand_row)
    if low is not None:
        base = base.filter(price__gte=low)
    if high is not None:
        base = base.filter(price__lte=high)
    if near is not None:
        lat, lon, radius_m = near
        base = base.filter(pk__in=availability.in_stock_near(lat=lat, lon=lon, radius_m=radius_m))
    order = BROAD_SORTS[sort] if search.is_broad(query) else SEARCH_SORTS[sort]
    alike = search.look_alikes(base, query)
    return (
        search.full_text(base, clauses, broad=search.is_broad(query)).order_by(*order),
        None if alike is None else alike.order_by(*order),
    )


def search_products(query: str, **filters) -> QuerySet[Product]:
    """The products a search finds (`_search`: its filters, sorts and errors); when none
    match, on PostgreSQL, the names that look like the query. Telling takes a query of its
    own: a page that counts its results asks counted_search instead."""
    found, alike = _search(query, **filters)
    return alike if alike is not None and not found.exists() else found


def counted_search(
    query: str, *, at_least: int = 0, **filters
) -> tuple[QuerySet[Product], int, bool]:
    """search_products and its count (count_matches): (products, count, exact). The count
    tells whether anything matched, so the look-alike names cost no query when it did."""
    found, alike = _search(query, **filters)
    count, exact = count_matches(found, at_least=at_least)
    if count == 0 and alike is not None:
        found = alike
        count, exact = count_matches(found, at_least=at_least)
    return found, count, exact


def count_matches(found: QuerySet[Product], *, at_least: int = 0) -> tuple[int, bool]:
    """How many products a search found, counted no further than SEARCH_COUNT_CAP or
    `at_least` (the end of the page shown) rows: (count, exact); not exact when more match."""
    cap = max(SEARCH_COUNT_CAP, at_least)
    counted = found.order_by().values("pk")[: cap + 1].count()
    return min(counted, cap), counted <= cap


def brands_among(products: QuerySet[Product], limit: int = 30) -> list[Brand]:
    """The brands of a result set, to filter it by: their id, public id and name read with
    the products in one query (a full-text result set cannot be nested as a subquery)."""
    rows = (
        products.order_by()
        .exclude(brand=None)
        .values_list("brand_id", "brand__public_id", "brand__name")
        .distinct()
    )
    brands = [Brand(pk=pk, public_id=public_id, name=name) for pk, public_id, name in rows]
    return sorted(brands, key=lambda brand: brand.name)[:limit]


# What a product card reads of its product (web card_tags), and a list sorts it by.
CARD_FIELDS = (
    "public_id",
    "name",
    "subtitle",
    "price",
    "compare_at_price",
    "is_featured",
    "is_special_offer",
    "category_id",
    "created_at",
)


def as_cards(qs: QuerySet[Product]) -> QuerySet[Product]:
    """`qs` (public_products, a search) as a page of product cards reads it: the card's
    fields only, no SKUs, brand or category rows; with_pictures then reads the page's
    pictures in one query."""
    return qs.select_related(None).prefetch_related(None).only(*CARD_FIELDS)


def product_cards() -> QuerySet[Product]:
    """Approved products as a product card shows them (as_cards)."""
    return as_cards(Product.objects.filter(status=Product.Status.APPROVED))


def with_pictures(products) -> list[Product]:
    """The products, each with its pictures as `card_images` (cover first), read in one
    query: Django's prefetch of the same rows cost twice the query itself in its own
    machinery (~1 ms for a page of 20 cards, issue 22)."""
    products = list(products)
    pictures: dict[int, list[ProductImage]] = {}
    rows = ProductImage.objects.filter(product_id__in=[p.pk for p in products])
    for row in rows.order_by("-is_cover", "position", "id"):
        pictures.setdefault(row.product_id, []).append(row)
    for product in products:
        product.card_images = pictures.get(product.pk, [])
    return products


def public_product(public_id: str, *, sample_flag: bool = False) -> Product:
    """An approved product (with `has_running_sample`, see with_sample_flag, on request)."""
    qs = _approved().filter(public_id=public_id)
    product = (with_sample_flag(qs) if sample_flag else qs).first()
    if product is None:
        raise NotFound(_("找不到该商品。"))
    return product


def products_for_actor(user: User, *, status: str | None = None) -> QuerySet[Product]:
    """The products a staff member manages: their organisations' (all for the platform)."""
    require_user(user)
    qs = Product.objects.select_related("brand", "category", "owner").prefetch_related(
        Prefetch("skus", queryset=Sku.objects.order_by("price", "id")),
        Prefetch("images", queryset=ProductImage.objects.order_by("-is_cover", "position", "id")),
        "spec_attributes",
    )
    if not is_platform_operator(user):
        qs = qs.filter(owner__in=organizations_of(user))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-updated_at", "-id")


def product_for_actor(user: User, public_id: str) -> Product:
    product = products_for_actor(user).filter(public_id=public_id).first()
    if product is None:
        raise NotFound(_("找不到该商品。"))
    return product


def sku_for_actor(user: User, public_id: str) -> Sku:
    require_user(user)
    qs = Sku.objects.select_related("product", "product__owner")
    if not is_platform_operator(user):
        qs = qs.filter(product__owner__in=organizations_of(user))
    sku = qs.filter(public_id=public_id).first()
    if sku is None:
        raise NotFound(_("找不到该规格。"))
    return sku


def listing_owner_for_actor(user: User, public_id: str) -> Organization:
    """An organisation the user may list products for (any producer or merchant for the
    platform); another organisation is reported as not found."""
    require_user(user)
    qs = (
        Organization.objects.filter(is_active=True)
        if is_platform_operator(user)
        else organizations_of(user)
    )
    owner = qs.filter(public_id=public_id).first()
    if owner is None:
        raise NotFound(_("找不到该组织。"), fields={"owner": _("找不到该组织。")})
    return owner


def brand_by_public_id(public_id: str) -> Brand:
    brand = Brand.objects.filter(public_id=public_id).first()
    if brand is None:
        raise NotFound(_("找不到该品牌。"), fields={"brand": _("找不到该品牌。")})
    return brand
