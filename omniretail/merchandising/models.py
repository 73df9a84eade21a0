"""Merchandising: specials (a time-boxed price for a SKU), the sales ranking's computed rows,
brand halls (a page for a catalogue brand) and the 優品匯 featured zone."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import MoneyField
from omniretail.core.uploads import StoredImage


class Special(PublicIdModel, TimeStampedModel):
    """特价: checkout charges `price` for the SKU from `starts_at` (inclusive) to `ends_at`
    (exclusive), while units sold at it stay under `stock_cap`; a member buys at most
    `per_member_limit` units at it. Outside the window the list price applies."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    price = MoneyField(_("特价"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    stock_cap = models.PositiveIntegerField(_("特价库存"), null=True, blank=True)
    per_member_limit = models.PositiveIntegerField(_("每人限购"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("特价促销")
        verbose_name_plural = _("特价促销")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["sku", "ends_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="special_window"),
            models.CheckConstraint(condition=Q(price__gte=0), name="special_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} ¥{self.price}"


class SalesRank(models.Model):
    """One row of 销售排行, rewritten by `ranking.refresh`: a product's units and net sales
    over the last `days` in a category (`category` null: every category), across all
    regions (`region` null) or in one."""

    days = models.PositiveSmallIntegerField()
    category = models.ForeignKey(
        "catalog.Category", null=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField()
    units = models.IntegerField()
    amount = MoneyField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("销售排行")
        verbose_name_plural = _("销售排行")
        ordering = ["days", "category", "region", "rank"]
        indexes = [models.Index(fields=["days", "category", "region", "rank"])]

    def __str__(self) -> str:
        return f"{self.days}d #{self.rank} {self.product_id}"


class BrandHall(TimeStampedModel):
    """品牌馆: a catalogue brand's page (the brand keeps its name, logo and story)."""

    brand = models.OneToOneField("catalog.Brand", on_delete=models.CASCADE, related_name="hall")
    banner_url = models.CharField(_("横幅地址"), max_length=500, blank=True)
    tagline = models.CharField(_("标语"), max_length=120, blank=True)
    story = models.TextField(_("品牌故事"), blank=True)  # blank: the catalogue brand's own
    position = models.IntegerField(_("排序"), default=0)
    is_published = models.BooleanField(_("已发布"), default=False)

    class Meta:
        verbose_name = _("品牌馆")
        verbose_name_plural = _("品牌馆")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(self.brand)

    def _picture(self, kind: str) -> StoredImage | None:
        for picture in self.pictures.all():  # prefetched by the pages
            if picture.kind == kind:
                return StoredImage(name=picture.name, width=picture.width, height=picture.height)
        return None

    @property
    def logo(self) -> StoredImage | None:
        return self._picture("logo")

    @property
    def banner(self) -> StoredImage | None:
        return self._picture("banner")

    @property
    def shown_story(self) -> str:
        return self.story or self.brand.story


class FeaturedSlot(PublicIdModel, TimeStampedModel):
    """優品匯: a product placed in the featured zone by the platform (every shopper) or a
    region (that region's shoppers), shown from `starts_at` to `ends_at` in `position`."""

    curator = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    position = models.IntegerField(_("排序"), default=0)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))

    class Meta:
        verbose_name = _("優品匯")
        verbose_name_plural = _("優品匯")
        ordering = ["position", "starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="featured_window"),
        ]

    def __str__(self) -> str:
        return f"{self.curator_id} #{self.position} {self.product_id}"


class Banner(PublicIdModel, TimeStampedModel):
    """A home-page banner: a stored picture (core.uploads) that links to a page of the site,
    shown from `starts_at` to `ends_at` in `position` order to every shopper (`region` null)
    or to one region's."""

    title = models.CharField(_("标题"), max_length=60)
    image = models.CharField(_("图片"), max_length=100)
    image_width = models.PositiveIntegerField(default=0)
    image_height = models.PositiveIntegerField(default=0)
    link = models.CharField(_("链接"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    position = models.IntegerField(_("排序"), default=0)
    region = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("地区"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("首页横幅")
        verbose_name_plural = _("首页横幅")
        ordering = ["position", "starts_at", "id"]
        indexes = [models.Index(fields=["ends_at", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="banner_window"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def picture(self) -> StoredImage:
        """What `{% picture %}` reads: the stored name and its size."""
        return StoredImage(name=self.image, width=self.image_width, height=self.image_height)


class HallPicture(models.Model):
    """A brand hall's logo or banner: a stored picture (core.uploads) with its size."""

    class Kind(models.TextChoices):
        LOGO = "logo", _("标志")
        BANNER = "banner", _("横幅")

    hall = models.ForeignKey(BrandHall, on_delete=models.CASCADE, related_name="pictures")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=100)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["hall", "kind"], name="hall_one_picture_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.hall_id} {self.kind}"


class HallGoods(models.Model):
    """A product the hall shows first (镇馆好物), in `position` order; the brand's other goods
    on sale follow."""

    hall = models.ForeignKey(BrandHall, on_delete=models.CASCADE, related_name="goods")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    position = models.IntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["hall", "product"], name="hall_goods_once")]

    def __str__(self) -> str:
        return f"{self.hall_id} #{self.position} {self.product_id}"


class CoPurchase(models.Model):
    """猜你喜欢's raw material, rewritten by `recommendations.refresh`: how many paid orders
    (refunded in full and cancelled ones left out) held both `product` and `other`."""

    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    orders = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("同购关系")
        verbose_name_plural = _("同购关系")
        ordering = ["product", "-orders", "other"]
        constraints = [
            models.UniqueConstraint(fields=["product", "other"], name="copurchase_pair_once")
        ]

    def __str__(self) -> str:
        return f"{self.product_id}+{self.other_id} ×{self.orders}"


class SampleOffer(PublicIdModel, TimeStampedModel):
    """免费试用: `stock` units of one SKU given away at 0 price between `starts_at` and
    `ends_at`, at most `per_member_limit` to a member. `remaining` only ever moves by a
    conditional UPDATE (`samples.claim_sample`), so a race for the last units gives exactly
    that many."""

    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    stock = models.PositiveIntegerField(_("试用总量"))
    remaining = models.PositiveIntegerField(_("剩余数量"))
    per_member_limit = models.PositiveSmallIntegerField(_("每人限领"), default=1)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("免费试用")
        verbose_name_plural = _("免费试用")
        ordering = ["-starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="sample_window"),
            models.CheckConstraint(
                condition=Q(remaining__lte=F("stock")), name="sample_remaining_within_stock"
            ),
            models.CheckConstraint(condition=Q(per_member_limit__gte=1), name="sample_limit_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} {self.remaining}/{self.stock}"


class SampleClaim(models.Model):
    """A member's request for a sample: the 0-price order that carries it to them."""

    offer = models.ForeignKey(SampleOffer, on_delete=models.PROTECT, related_name="claims")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("申领时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("试用申领")
        verbose_name_plural = _("试用申领")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["offer", "member"], name="sample_claim_member")]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.member_id}"


class Promotion(PublicIdModel, TimeStampedModel):
    """促销 / 主题活动 a store runs from `starts_at` (inclusive) to `ends_at` (exclusive):
    `percent` or `amount` off the chosen products (or every product of `category`), or buy
    `buy_n` get `get_m` free on one product; an optional theme page (`theme`, a banner)."""

    class Kind(models.TextChoices):
        PERCENT_OFF = "percent_off", _("折扣")
        AMOUNT_OFF = "amount_off", _("立减")
        BUY_GET = "buy_get", _("买赠")

    store = models.ForeignKey(
        "stores.Store", verbose_name=_("门店"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("标题"), max_length=40)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    percent = models.PositiveSmallIntegerField(_("折扣百分比"), null=True, blank=True)
    amount = MoneyField(_("立减金额"), null=True, blank=True)
    buy_n = models.PositiveSmallIntegerField(_("买"), null=True, blank=True)
    get_m = models.PositiveSmallIntegerField(_("赠"), null=True, blank=True)
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    theme = models.TextField(_("主题活动介绍"), blank=True)
    image = models.CharField(_("横幅图片"), max_length=100, blank=True)
    image_width = models.PositiveIntegerField(default=0)
    image_height = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("门店促销")
        verbose_name_plural = _("门店促销")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["store", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="promotion_window"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def picture(self) -> StoredImage | None:
        """What `{% picture %}` reads, when a banner was uploaded."""
        if not self.image:
            return None
        return StoredImage(name=self.image, width=self.image_width, height=self.image_height)
