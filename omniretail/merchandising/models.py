"""Merchandising: specials (a time-boxed price for a SKU), the sales ranking's computed rows,
brand halls (a page for a catalogue brand) and the 優品匯 featured zone."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import MoneyField


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
        ordering = ["days", "category", "region", "rank"]
        indexes = [models.Index(fields=["days", "category", "region", "rank"])]

    def __str__(self) -> str:
        return f"{self.days}d #{self.rank} {self.product_id}"


class BrandHall(TimeStampedModel):
    """品牌馆: a catalogue brand's page (the brand keeps its name, logo and story)."""

    brand = models.OneToOneField("catalog.Brand", on_delete=models.CASCADE, related_name="hall")
    banner_url = models.CharField(_("横幅地址"), max_length=500, blank=True)
    tagline = models.CharField(_("标语"), max_length=120, blank=True)
    position = models.IntegerField(_("排序"), default=0)
    is_published = models.BooleanField(_("已发布"), default=False)

    class Meta:
        verbose_name = _("品牌馆")
        verbose_name_plural = _("品牌馆")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(self.brand)


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
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("申领时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("试用申领")
        verbose_name_plural = _("试用申领")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["offer", "member"], name="sample_claim_member")]

    def __str__(self) -> str:
        return f"{self.offer_id} {self.member_id}"
