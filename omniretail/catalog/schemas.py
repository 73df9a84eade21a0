from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from omniretail.catalog.models import Product
from omniretail.core.money import MoneyIn


class CategoryOut(Schema):
    slug: str
    name: str
    name_en: str
    icon: str
    product_count: int = 0
    children: list["CategoryOut"] = []


class CategoryIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)
    slug: str = Field(..., min_length=1, max_length=60)
    parent: str | None = Field(None, max_length=60, description="上级分类的 slug")
    name_en: str = Field("", max_length=60)
    icon: str = Field("", max_length=8)
    position: int = Field(0, ge=-(10**6), le=10**6)


class BrandOut(Schema):
    id: str
    name: str


class CategoryRefOut(Schema):
    slug: str
    name: str


class SkuOut(Schema):
    id: str
    code: str
    name: str
    attributes: dict
    price: str
    is_active: bool


class ImageOut(Schema):
    url: str
    alt: str


class ProductSummaryOut(Schema):
    id: str
    name: str
    subtitle: str
    price: str
    compare_at_price: str | None
    image: str | None
    brand: BrandOut | None
    category: CategoryRefOut
    is_featured: bool
    is_special_offer: bool
    is_free_sample: bool


class SpecAttributeOut(Schema):
    """One spec axis (颜色, 尺码); each SKU's `attributes` names one of its values."""

    name: str
    values: list[str]


class ProductOut(ProductSummaryOut):
    description: str
    images: list[ImageOut]
    skus: list[SkuOut]
    spec_attributes: list[SpecAttributeOut]


class ManagedProductOut(ProductOut):
    owner_id: str
    status: Literal[tuple(Product.Status.values)]
    rejection_reason: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ProductPageOut(Schema):
    items: list[ProductSummaryOut]
    count: int
    count_exact: bool = Field(
        True,
        description="false：匹配的商品多于 count（搜索最多数到 1000 件或所请求页的末尾），"
        "应显示为“1000+”；此时 pages 比已数到的页数多 1",
    )
    page: int
    page_size: int
    pages: int


class SuggestionOut(Schema):
    text: str = Field(..., description="补全后的搜索词，原样放进搜索框")
    kind: Literal["hot", "brand", "category", "product"] = Field(
        ..., description="来源：热搜词、品牌、分类或商品名称"
    )


class SuggestionsOut(Schema):
    query: str
    items: list[SuggestionOut]


class ManagedProductPageOut(Schema):
    items: list[ManagedProductOut]
    count: int
    page: int
    page_size: int
    pages: int


class SkuIn(Schema):
    code: str = Field(..., min_length=1, max_length=64)
    name: str = Field(..., min_length=1, max_length=120)
    price: MoneyIn
    attributes: dict[str, str | int | bool] = {}


class ProductIn(Schema):
    owner: str = Field(..., max_length=26, description="所属组织的 public id")
    category: str = Field(..., max_length=60, description="分类 slug")
    name: str = Field(..., min_length=1, max_length=120)
    subtitle: str = Field("", max_length=200)
    description: str = Field("", max_length=20000)
    brand: str | None = Field(None, max_length=26, description="品牌的 public id")
    skus: list[SkuIn] = Field(..., min_length=1, max_length=50)
    images: list[Annotated[str, Field(max_length=500)]] = Field([], max_length=20)
    compare_at_price: MoneyIn | None = None
    confirm_duplicate: bool = Field(
        False,
        description="疑似重复商品，确认仍要提交：without it, a name giving the same words as "
        "one of the owner's products under the same brand is 409 `possible_duplicate`",
    )


class ProductPatchIn(Schema):
    """Only the fields sent are changed."""

    name: str | None = Field(None, min_length=1, max_length=120)
    subtitle: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=20000)
    brand: str | None = Field(None, max_length=26)
    category: str | None = Field(None, max_length=60)
    compare_at_price: MoneyIn | None = None
    confirm_duplicate: bool = Field(
        False, description="as on create: a new name or brand may duplicate the owner's goods"
    )


class SkuPatchIn(Schema):
    """Only the fields sent are changed."""

    price: MoneyIn | None = None
    code: str | None = Field(None, min_length=1, max_length=64)
    is_active: bool | None = None


class SpecAttributeIn(Schema):
    name: str = Field(..., min_length=1, max_length=20, examples=["颜色"])
    values: list[Annotated[str, Field(max_length=20)]] = Field(
        ..., min_length=1, max_length=20, examples=[["米白", "藏青"]]
    )


class SpecsIn(Schema):
    attributes: list[SpecAttributeIn] = Field(..., min_length=1, max_length=3)
    price: MoneyIn | None = Field(None, description="新生成规格的价格；已有组合的价格不变")
    code_prefix: str = Field("", max_length=40, description="新 SKU 编码前缀，生成 前缀-序号")


class ReviewIn(Schema):
    approve: bool
    reason: str = Field("", max_length=500)


class MergeIn(Schema):
    keep: str = Field(..., max_length=26, description="保留商品的 id")
    duplicate: str = Field(..., max_length=26, description="要合并掉的重复商品的 id")
    confirm: bool = Field(
        False, description="两个商品的上架方或品牌不同时须为 true（否则 409 confirm_required）"
    )


class MergeProductOut(Schema):
    id: str
    name: str
    owner: str
    status: Literal[tuple(Product.Status.values)]


class MergeOut(Schema):
    id: str
    keep: MergeProductOut
    duplicate: MergeProductOut
    status_before: Literal[tuple(Product.Status.values)] = Field(
        ..., description="重复商品合并前的状态，撤销后恢复为它"
    )
    moved: dict[str, int] = Field(
        ...,
        description="每种移动的行数，键为 `app.model.field`（如 shopping.favourite.product）；"
        "skus 为对上的等价规格数",
    )
    sku_map: dict[str, str] = Field(..., description="重复商品的规格 id -> 保留商品的等价规格 id")
    merged_by: str | None
    merged_at: datetime
    undone_by: str | None
    undone_at: datetime | None


class MergePageOut(Schema):
    items: list[MergeOut]
