"""Stock per SKU and location. The level row is the only thing that changes; every change
also appends a movement, and the movements always add up to the level."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel


class StockLocation(PublicIdModel, TimeStampedModel):
    class Kind(models.TextChoices):
        STORE = "store", _("门店")
        COUNTER = "counter", _("智能售货柜")
        WAREHOUSE = "warehouse", _("区域仓")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=120)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="stock_locations"
    )
    store = models.OneToOneField(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stock_location",
        help_text=_("门店库位对应的门店；售货柜库位对应其服务门店时另行关联。"),
    )
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("库位")
        verbose_name_plural = _("库位")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class StockLevel(models.Model):
    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="levels")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(_("在库"), default=0)
    reserved = models.IntegerField(_("已预留"), default=0)
    low_stock_threshold = models.PositiveIntegerField(_("低库存阈值"), default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("库存")
        verbose_name_plural = _("库存")
        constraints = [
            models.UniqueConstraint(fields=["location", "sku"], name="one_level_per_sku_location"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.location_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class StockMovement(models.Model):
    """Append-only journal: replaying every movement of a level rebuilds it exactly."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("入库")
        SALE = "sale", _("销售出库")
        RESERVATION = "reservation", _("预留")
        RELEASE = "release", _("释放预留")
        TRANSFER_OUT = "transfer_out", _("调拨出库")
        TRANSFER_IN = "transfer_in", _("调拨入库")
        ADJUSTMENT = "adjustment", _("盘点调整")
        RETURN = "return", _("退货入库")

    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="movements")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=64, blank=True, db_index=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("库存流水")
        verbose_name_plural = _("库存流水")
        ordering = ["id"]
        indexes = [models.Index(fields=["location", "sku", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.on_hand_delta:+}/{self.reserved_delta:+}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("stock movements are append-only")
        super().save(*args, **kwargs)


class Reservation(PublicIdModel):
    """Stock held for an unpaid order (or a points-mall voucher) until it expires."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("预留中")
        COMMITTED = "committed", _("已出库")
        RELEASED = "released", _("已释放")
        EXPIRED = "expired", _("已过期")

    location = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    reference = models.CharField(max_length=64, db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("库存预留")
        verbose_name_plural = _("库存预留")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku_id} for {self.reference} ({self.status})"


class Transfer(PublicIdModel):
    source = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(StockLocation, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("调拨")
        verbose_name_plural = _("调拨")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="transfer_positive")
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku_id}: {self.source_id} → {self.destination_id}"
