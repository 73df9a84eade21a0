"""Points goods and their redemptions; the pickup voucher is the commerce pickup order."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import MoneyField
from omniretail.ledger.services import PLATFORM_POINTS

MAX_VOUCHER_DAYS = 90


class PointsGood(PublicIdModel, TimeStampedModel):
    """A merchant's SKU offered for points (or points plus some cash), collected at the
    stores it names (their stock is the inventory's own)."""

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="points_goods"
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("名称"), max_length=120)
    description = models.TextField(_("说明"), blank=True)
    points_price = models.PositiveIntegerField(_("所需积分"))
    cash_price = MoneyField(_("另付现金"), default=0)
    asset_code = models.CharField(_("积分类型"), max_length=40)
    stores = models.ManyToManyField("stores.Store", related_name="points_goods")
    voucher_days = models.PositiveSmallIntegerField(_("凭证有效天数"), default=7)
    is_active = models.BooleanField(_("上架"), default=True)

    class Meta:
        verbose_name = _("积分商品")
        verbose_name_plural = _("积分商品")
        ordering = ["points_price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(points_price__gte=1), name="pointsmall_price_pos"),
            models.CheckConstraint(condition=Q(cash_price__gte=0), name="pointsmall_cash_not_neg"),
            models.CheckConstraint(
                condition=Q(voucher_days__gte=1) & Q(voucher_days__lte=MAX_VOUCHER_DAYS),
                name="pointsmall_voucher_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_platform_points(self) -> bool:
        return self.asset_code == PLATFORM_POINTS


class Redemption(PublicIdModel, TimeStampedModel):
    """Points spent for one good; the pickup order's code is the voucher."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("待自提")
        REDEEMED = "redeemed", _("已核销")
        REFUNDED = "refunded", _("已过期退回")

    good = models.ForeignKey(PointsGood, on_delete=models.PROTECT, related_name="redemptions")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="redemptions"
    )
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="points_redemption"
    )
    points = models.PositiveIntegerField(_("积分"))
    asset_code = models.CharField(max_length=40)
    spend_posting = models.CharField(max_length=26)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ISSUED, db_index=True
    )
    expires_at = models.DateTimeField(_("有效期至"), db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "idempotency_key"], name="pointsmall_one_redemption_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.good_id} {self.status}"
