"""Brands, the category tree, products with their SKUs and images, and the review workflow.

`Product.price` is the lowest active SKU price, kept by `services`; `search_text` holds the
jieba tokens that the full-text index (FTS5 on SQLite, tsvector on PostgreSQL) searches."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.accounts.models import Organization
from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import ZERO, MoneyField


class Brand(PublicIdModel):
    producer = models.ForeignKey(
        Organization,
        verbose_name=_("生产商"),
        on_delete=models.PROTECT,
        related_name="brands",
        limit_choices_to={"kind": Organization.Kind.PRODUCER},
    )
    name = models.CharField(_("品牌名称"), max_length=120)
    story = models.TextField(_("品牌故事"), blank=True)
    logo_url = models.CharField(_("标志地址"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("品牌")
        verbose_name_plural = _("品牌")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A node of the category tree; roots have no parent. Shown by slug, never by id."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    slug = models.SlugField(_("标识"), max_length=60, unique=True)
    position = models.IntegerField(_("排序"), default=0)
    icon = models.CharField(_("图标"), max_length=8, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("分类")
        verbose_name_plural = _("分类")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Product(PublicIdModel, TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已上架")
        REJECTED = "rejected", _("已驳回")
        MERGED = "merged", _("已合并")

    owner = models.ForeignKey(
        Organization,
        verbose_name=_("所属组织"),
        on_delete=models.PROTECT,
        related_name="products",
        limit_choices_to={"kind__in": [Organization.Kind.PRODUCER, Organization.Kind.MERCHANT]},
    )
    brand = models.ForeignKey(
        Brand,
        verbose_name=_("品牌"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="products",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("分类"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("商品名称"), max_length=120)
    subtitle = models.CharField(_("副标题"), max_length=200, blank=True)
    description = models.TextField(_("商品描述"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    rejection_reason = models.CharField(_("驳回原因"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_products",
    )
    is_featured = models.BooleanField(_("推荐"), default=False)
    is_special_offer = models.BooleanField(_("特价"), default=False)
    is_free_sample = models.BooleanField(_("免费试用"), default=False)
    price = MoneyField(_("价格"), default=ZERO)
    compare_at_price = MoneyField(_("原价"), null=True, blank=True)
    search_text = models.TextField(_("搜索词"), blank=True, editable=False)
    # Units sold in the last 30 days, net of returns: the 销量 sort. Written by the sales
    # ranking's job (merchandising.ranking.refresh), which reads the orders.
    sales_units = models.IntegerField(_("近30天销量"), default=0, editable=False)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["-is_featured", "-created_at"]
        indexes = [
            models.Index(fields=["status", "category"], name="catalog_product_status_cat"),
            # the listing's orders (featured, then newest; newest), walked by a one-character
            # search until a page matches (catalog.search.full_text, `broad`)
            models.Index(
                fields=["status", "-is_featured", "-created_at", "-id"],
                name="catalog_product_listing",
            ),
            models.Index(fields=["status", "-created_at", "-id"], name="catalog_product_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="catalog_product_price_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(compare_at_price__isnull=True)
                | models.Q(compare_at_price__gte=0),
                name="catalog_product_compare_nonneg",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.APPROVED


class ProductMerge(PublicIdModel):
    """A duplicate listing merged by the platform into the one that stays (catalog.merge):
    the duplicate's status before, what moved (row ids, the SKU map, rows folded into the
    kept product's) so the undo moves exactly that back, and who merged and undid, when."""

    keep = models.ForeignKey(
        Product, verbose_name=_("保留商品"), on_delete=models.PROTECT, related_name="+"
    )
    duplicate = models.ForeignKey(
        Product, verbose_name=_("重复商品"), on_delete=models.PROTECT, related_name="+"
    )
    status_before = models.CharField(_("合并前状态"), max_length=16, choices=Product.Status.choices)
    moved = models.JSONField(_("移动内容"), default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("合并人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    merged_at = models.DateTimeField(_("合并时间"), auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("商品合并")
        verbose_name_plural = _("商品合并")
        ordering = ["-merged_at", "-id"]
        constraints = [
            # a listing is merged once at a time: a second merge of it waits and is refused
            models.UniqueConstraint(
                fields=["duplicate"],
                condition=models.Q(undone_at__isnull=True),
                name="catalog_merge_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.duplicate_id} -> {self.keep_id}"


class ProductImage(models.Model):
    """A picture of a product, or of one of its SKUs, in the product's order. `name` is the
    stored original (core.uploads, with its WebP copies); `url` is only what the catalogue
    API was given as a link before uploads existed. One cover per product."""

    product = models.ForeignKey(
        Product, verbose_name=_("商品"), on_delete=models.CASCADE, related_name="images"
    )
    sku = models.ForeignKey(
        "Sku",
        verbose_name=_("SKU"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="images",
    )
    name = models.CharField(_("存储名"), max_length=120, blank=True)
    width = models.PositiveIntegerField(_("宽度"), default=0)
    height = models.PositiveIntegerField(_("高度"), default=0)
    url = models.CharField(_("图片地址"), max_length=500, blank=True)
    alt = models.CharField(_("替代文字"), max_length=200, blank=True)
    position = models.IntegerField(_("排序"), default=0)
    is_cover = models.BooleanField(_("封面"), default=False)

    class Meta:
        verbose_name = _("商品图片")
        verbose_name_plural = _("商品图片")
        ordering = ["-is_cover", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(is_cover=True),
                name="catalog_productimage_one_cover",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.url


class Sku(PublicIdModel):
    product = models.ForeignKey(
        Product, verbose_name=_("商品"), on_delete=models.CASCADE, related_name="skus"
    )
    code = models.CharField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("规格"), max_length=120)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    price = MoneyField(_("价格"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("商品规格")
        verbose_name_plural = _("商品规格")
        ordering = ["price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="catalog_sku_price_nonneg"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SpecAttribute(models.Model):
    """One axis of a product's specs (颜色, 尺码, 容量) with its values in order: the axes
    multiply into the product's SKUs, and each SKU's `attributes` names one value per axis
    (`catalog.specs` keeps the two in step)."""

    product = models.ForeignKey(
        Product, verbose_name=_("商品"), on_delete=models.CASCADE, related_name="spec_attributes"
    )
    name = models.CharField(_("规格名"), max_length=20)
    values = models.JSONField(_("规格值"), default=list)
    position = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("规格项")
        verbose_name_plural = _("规格项")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="catalog_spec_one_name")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {' / '.join(self.values)}"


class SearchLog(models.Model):
    """One search a shopper ran (the first page of results): what hot words are counted
    from. `query` is the compact form (`面 膜` and `面膜！` are one word); rows older than
    `discovery.LOG_DAYS` are dropped by the hot-word job."""

    query = models.CharField(_("搜索词"), max_length=100)
    result_count = models.PositiveIntegerField(_("结果数"))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("会员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        verbose_name = _("搜索记录")
        verbose_name_plural = _("搜索记录")

    def __str__(self) -> str:
        return self.query


class SearchHistory(models.Model):
    """A member's own recent searches, as typed, newest first, at most
    `discovery.HISTORY_SIZE` of them; anonymous shoppers have none."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("会员"),
        on_delete=models.CASCADE,
        related_name="search_history",
    )
    query = models.CharField(_("搜索词"), max_length=100)
    searched_at = models.DateTimeField(_("搜索时间"))

    class Meta:
        verbose_name = _("搜索历史")
        verbose_name_plural = _("搜索历史")
        constraints = [
            models.UniqueConstraint(fields=["member", "query"], name="catalog_history_once")
        ]
        indexes = [models.Index(fields=["member", "-searched_at"], name="catalog_history_recent")]

    def __str__(self) -> str:
        return self.query


class HotWord(models.Model):
    """A 热搜 word: `score` is counted from the search log by the hot-word job; operators
    pin a word (shown first, in `pinned_position` order) or ban it (never shown)."""

    word = models.CharField(_("热搜词"), max_length=40, unique=True)
    score = models.PositiveIntegerField(_("热度"), default=0)
    pinned_position = models.PositiveSmallIntegerField(_("置顶位置"), null=True, blank=True)
    is_banned = models.BooleanField(_("屏蔽"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("热搜词")
        verbose_name_plural = _("热搜词")
        ordering = ["pinned_position", "-score", "word"]

    def __str__(self) -> str:
        return self.word


class SuggestTerm(models.Model):
    """What the search box suggests besides product names: brands, categories and hot
    words, one row per key a shopper may type (the compact text, its pinyin, its initials),
    read by prefix through the key's index. Rebuilt by the hot-word job."""

    class Kind(models.TextChoices):
        HOT = "hot", _("热搜")
        BRAND = "brand", _("品牌")
        CATEGORY = "category", _("分类")

    key = models.CharField(max_length=100, db_index=True)  # PostgreSQL adds a LIKE index
    text = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    weight = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("联想词")
        verbose_name_plural = _("联想词")

    def __str__(self) -> str:
        return self.text
