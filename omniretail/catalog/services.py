"""Writes for the catalogue: categories, brands, products and SKUs, and the review workflow
draft -> submitted -> approved | rejected (rejected -> submitted again).

Every write that touches a searchable field re-indexes the product in the same transaction,
and every write that touches SKU prices recomputes `Product.price` (the lowest active SKU
price) in one UPDATE. An owner's staff write their own products; platform operators may
write everything and alone may review, flag and create categories.

Editing an approved product: price changes (`set_sku_price`, `add_sku`, `compare_at_price`)
take effect at once; a change of what the shopper reads (name, subtitle, description, brand,
category) sends the product back to `submitted`, so that no unreviewed text is ever public."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Min, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization, User
from omniretail.accounts.selectors import is_platform_operator, require_role
from omniretail.catalog import search
from omniretail.catalog.models import Brand, Category, Product, ProductImage, Sku
from omniretail.core.errors import (
    Conflict,
    PermissionDenied,
    ValidationFailed,
    field_error,
)
from omniretail.core.money import MAX_DIGITS, ZERO, parse_money

MAX_PRICE = Decimal(10) ** (MAX_DIGITS - 2)
LISTING_KINDS = (Organization.Kind.PRODUCER, Organization.Kind.MERCHANT)
CONTENT_FIELDS = frozenset({"name", "subtitle", "description", "brand", "category"})
EDITABLE_FIELDS = CONTENT_FIELDS | {"compare_at_price"}
MAX_IMAGES = 20


# --- guards -------------------------------------------------------------------------------


def _require_platform(actor: User) -> None:
    if not is_platform_operator(actor):
        raise PermissionDenied(_("只有平台运营人员可以执行此操作。"))


def _require_member(actor: User, organization: Organization) -> None:
    """The actor works for the organisation, or runs the platform."""
    if not is_platform_operator(actor):
        require_role(actor, organization)


def _illegal(product: Product, action: str) -> Conflict:
    return Conflict(
        _("商品当前状态为“%(status)s”，不能%(action)s。")
        % {"status": product.get_status_display(), "action": action},
        code="illegal_transition",
    )


def parse_price(value, field: str) -> Decimal:
    """A price from a form, the API or code, in money's one strict form; never negative."""
    amount = parse_money(value, field=field)
    if amount < 0:
        raise field_error(field, _("价格不能为负数。"))
    if amount >= MAX_PRICE:
        raise field_error(field, _("金额过大。"))
    return amount


def _text(value, field: str, *, max_length: int, required: bool = False) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise field_error(field, _("请输入文字。"))
    if required and not text:
        raise field_error(field, _("此项不能为空。"))
    if len(text) > max_length:
        raise field_error(field, _("不能超过 %(n)s 个字符。") % {"n": max_length})
    return text


def _image_url(value, field: str) -> str:
    url = _text(value, field, max_length=500, required=True)
    scheme = url.split(":", 1)[0].lower() if ":" in url.split("/", 1)[0] else ""
    if scheme not in ("", "http", "https") or any(c.isspace() for c in url):
        raise field_error(field, _("图片地址须为站内路径或 http(s) 链接。"))
    return url


def _check_category(category: Category, field: str = "category") -> None:
    if category is None or not category.is_active:
        raise field_error(field, _("请选择一个启用的分类。"))


# --- categories and brands --------------------------------------------------------------


@transaction.atomic
def create_category(
    *,
    actor: User,
    name: str,
    slug: str,
    parent: Category | None = None,
    name_en: str = "",
    icon: str = "",
    position: int = 0,
) -> Category:
    _require_platform(actor)
    name = _text(name, "name", max_length=60, required=True)
    slug = _text(slug, "slug", max_length=60, required=True).lower()
    if not all(c.isascii() and (c.isalnum() or c in "-_") for c in slug):
        raise field_error("slug", _("标识只能包含英文字母、数字、- 和 _。"))
    if Category.objects.filter(slug=slug).exists():
        raise Conflict(_("分类标识已存在。"), fields={"slug": _("已存在")})
    try:
        with transaction.atomic():
            return Category.objects.create(
                parent=parent,
                name=name,
                slug=slug,
                name_en=_text(name_en, "name_en", max_length=60),
                icon=_text(icon, "icon", max_length=8),
                position=int(position),
            )
    except IntegrityError as exc:
        raise Conflict(_("分类标识已存在。"), fields={"slug": _("已存在")}) from exc


@transaction.atomic
def create_brand(
    *, actor: User, producer: Organization, name: str, story: str = "", logo_url: str = ""
) -> Brand:
    if producer.kind != Organization.Kind.PRODUCER:
        raise field_error("producer", _("品牌必须属于生产商。"))
    _require_member(actor, producer)
    return Brand.objects.create(
        producer=producer,
        name=_text(name, "name", max_length=120, required=True),
        story=_text(story, "story", max_length=5000),
        logo_url=_image_url(logo_url, "logo_url") if logo_url else "",
    )


# --- products -----------------------------------------------------------------------------


def _sku_rows(skus, product_field: str = "skus") -> list[dict]:
    if not skus:
        raise field_error(product_field, _("至少需要一个规格（SKU）。"))
    rows, codes = [], set()
    for i, raw in enumerate(skus):
        prefix = f"{product_field}.{i}"
        code = _text(raw.get("code"), f"{prefix}.code", max_length=64, required=True)
        if code in codes:
            raise field_error(f"{prefix}.code", _("SKU 编码重复。"))
        codes.add(code)
        attributes = raw.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise field_error(f"{prefix}.attributes", _("属性须为键值对。"))
        rows.append(
            {
                "code": code,
                "name": _text(raw.get("name"), f"{prefix}.name", max_length=120, required=True),
                "price": parse_price(raw.get("price"), f"{prefix}.price"),
                "attributes": attributes,
            }
        )
    taken = set(Sku.objects.filter(code__in=codes).values_list("code", flat=True))
    for i, row in enumerate(rows):
        if row["code"] in taken:
            raise Conflict(
                _("SKU 编码已被使用。"), fields={f"{product_field}.{i}.code": _("已存在")}
            )
    return rows


def refresh_price(product: Product) -> None:
    """Product.price := the lowest active SKU price, in one statement (no read-then-write).
    Also for writes made outside these services, such as the admin's SKU inline."""
    lowest = (
        Sku.objects.filter(product=OuterRef("pk"), is_active=True)
        .order_by()
        .values("product")
        .annotate(lowest=Min("price"))
        .values("lowest")
    )
    Product.objects.filter(pk=product.pk).update(price=Coalesce(Subquery(lowest), Value(ZERO)))
    product.refresh_from_db(fields=["price"])


@transaction.atomic
def create_product(
    *,
    actor: User,
    owner: Organization,
    category: Category,
    name: str,
    subtitle: str = "",
    description: str = "",
    brand: Brand | None = None,
    skus: list[dict],
    images: list[str] | None = None,
    compare_at_price=None,
) -> Product:
    """A new listing in draft, with its SKUs and images; it is public only once approved."""
    if owner.kind not in LISTING_KINDS:
        raise field_error("owner", _("只有生产商或商家可以发布商品。"))
    _require_member(actor, owner)
    _check_category(category)
    images = list(images or [])
    if len(images) > MAX_IMAGES:
        raise field_error("images", _("图片不能超过 %(n)s 张。") % {"n": MAX_IMAGES})
    image_urls = [_image_url(url, f"images.{i}") for i, url in enumerate(images)]
    product = Product.objects.create(
        owner=owner,
        category=category,
        brand=brand,
        name=_text(name, "name", max_length=120, required=True),
        subtitle=_text(subtitle, "subtitle", max_length=200),
        description=_text(description, "description", max_length=20000),
        compare_at_price=(
            parse_price(compare_at_price, "compare_at_price")
            if compare_at_price is not None
            else None
        ),
    )
    Sku.objects.bulk_create(Sku(product=product, **row) for row in _sku_rows(skus))
    ProductImage.objects.bulk_create(
        ProductImage(product=product, url=url, alt=product.name, position=i)
        for i, url in enumerate(image_urls)
    )
    refresh_price(product)
    reindex_product(product)
    return product


@transaction.atomic
def update_product(*, actor: User, product: Product, **changes) -> Product:
    """Edit name, subtitle, description, brand, category or compare_at_price. Refused while
    the product is under review; a content change to an approved product re-submits it."""
    _require_member(actor, product.owner)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(fields={k: _("该字段不可修改。") for k in sorted(unknown)})
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == Product.Status.SUBMITTED:
        raise _illegal(product, _("修改"))
    cleaned = {}
    for field, value in changes.items():
        if field == "name":
            cleaned[field] = _text(value, field, max_length=120, required=True)
        elif field == "subtitle":
            cleaned[field] = _text(value, field, max_length=200)
        elif field == "description":
            cleaned[field] = _text(value, field, max_length=20000)
        elif field == "category":
            _check_category(value)
            cleaned[field] = value
        elif field == "brand":
            cleaned[field] = value
        elif field == "compare_at_price":
            cleaned[field] = None if value is None else parse_price(value, field)
    content_changed = any(
        getattr(product, f) != v for f, v in cleaned.items() if f in CONTENT_FIELDS
    )
    for field, value in cleaned.items():
        setattr(product, field, value)
    if content_changed and product.status == Product.Status.APPROVED:
        product.status = Product.Status.SUBMITTED
        product.submitted_at = timezone.now()
    product.save()
    if content_changed:
        reindex_product(product)
    return product


@transaction.atomic
def add_sku(*, actor: User, product: Product, code: str, name: str, price, attributes=None) -> Sku:
    _require_member(actor, product.owner)
    (row,) = _sku_rows([{"code": code, "name": name, "price": price, "attributes": attributes}])
    sku = Sku.objects.create(product=product, **row)
    refresh_price(product)
    return sku


@transaction.atomic
def set_sku_price(*, actor: User, sku: Sku, price) -> Sku:
    _require_member(actor, sku.product.owner)
    sku.price = parse_price(price, "price")
    Sku.objects.filter(pk=sku.pk).update(price=sku.price)
    refresh_price(sku.product)
    return sku


# --- review workflow --------------------------------------------------------------------


@transaction.atomic
def submit_product(*, actor: User, product: Product) -> Product:
    """Ask the platform to review: from draft or rejected, and only with an active SKU."""
    _require_member(actor, product.owner)
    if not product.skus.filter(is_active=True).exists():
        raise field_error("skus", _("至少需要一个启用的规格（SKU）。"))
    moved = Product.objects.filter(
        pk=product.pk, status__in=[Product.Status.DRAFT, Product.Status.REJECTED]
    ).update(status=Product.Status.SUBMITTED, submitted_at=timezone.now(), rejection_reason="")
    if not moved:
        product.refresh_from_db(fields=["status"])
        raise _illegal(product, _("提交审核"))
    product.refresh_from_db()
    return product


@transaction.atomic
def review_product(*, actor: User, product: Product, approve: bool, reason: str = "") -> Product:
    """The platform approves (the product goes public) or rejects with a reason the owner
    reads. Only a submitted product can be reviewed; the move is one conditional UPDATE."""
    _require_platform(actor)
    reason = _text(reason, "reason", max_length=500)
    if not approve and not reason:
        raise field_error("reason", _("驳回时请填写原因。"))
    moved = Product.objects.filter(pk=product.pk, status=Product.Status.SUBMITTED).update(
        status=Product.Status.APPROVED if approve else Product.Status.REJECTED,
        rejection_reason="" if approve else reason,
        reviewed_at=timezone.now(),
        reviewed_by=actor,
    )
    if not moved:
        product.refresh_from_db(fields=["status"])
        raise _illegal(product, _("审核"))
    product.refresh_from_db()
    return product


@transaction.atomic
def set_product_flags(
    *,
    actor: User,
    product: Product,
    is_featured: bool | None = None,
    is_special_offer: bool | None = None,
    is_free_sample: bool | None = None,
) -> Product:
    """Merchandising flags are the platform's call, not the owner's."""
    _require_platform(actor)
    flags = {
        name: bool(value)
        for name, value in (
            ("is_featured", is_featured),
            ("is_special_offer", is_special_offer),
            ("is_free_sample", is_free_sample),
        )
        if value is not None
    }
    if flags:
        Product.objects.filter(pk=product.pk).update(**flags)
        for name, value in flags.items():
            setattr(product, name, value)
    return product


# --- search index -----------------------------------------------------------------------


@transaction.atomic
def reindex_product(product: Product) -> None:
    """Recompute search_text from the product, its brand and category, and mirror it into
    the full-text index. Callers that change searchable fields call this in their own
    transaction, so the index never disagrees with a committed product."""
    row = (
        Product.objects.select_related("brand", "category")
        .only("name", "subtitle", "description", "brand__name", "category")
        .get(pk=product.pk)
    )
    text = search.document(
        name=row.name,
        subtitle=row.subtitle,
        brand=row.brand.name if row.brand else "",
        category=" ".join(_category_names(row.category)),
        description=row.description,
    )
    Product.objects.filter(pk=product.pk).update(search_text=text)
    product.search_text = text
    search.write_index(product.pk, text)


def _category_names(category: Category) -> list[str]:
    """The names (Chinese and English) of the category and every category above it, so that
    a shopper's 休闲食品 finds the goods filed under its child 糕点."""
    names: list[str] = []
    seen: set[int] = set()
    node: Category | None = category
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        names += [node.name, node.name_en]
        node = node.parent
    return [n for n in names if n]


@transaction.atomic
def reindex_all() -> int:
    """Rebuild the whole index (after a bulk import or a change of jieba dictionary)."""
    count = 0
    for product in Product.objects.only("pk").iterator(chunk_size=500):
        reindex_product(product)
        count += 1
    return count
