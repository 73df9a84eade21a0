"""The producer-to-retailer (P2R) channel: producers' wholesale terms on catalogue SKUs, the
regions' selections, purchase orders with partial shipments and receipts, the routing of
shoppers' delivery orders, and the settlement of every sale among the four parties.

Goods themselves are catalogue products (review by the platform is the catalogue's review
workflow); this app adds only what the catalogue does not know: the wholesale side."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import MoneyField
from omniretail.ledger.units import fen_to_yuan


class ProducerApplication(PublicIdModel, TimeStampedModel):
    """A producer's registration: its organisation stays inactive until the platform
    approves, so its staff can do nothing but watch the application."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已驳回")

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.PROTECT, related_name="producer_application"
    )
    licence_number = models.CharField(_("营业执照号"), max_length=40)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.CharField(_("驳回原因"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("生产商入驻申请")
        verbose_name_plural = _("生产商入驻申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.organization_id} ({self.status})"


FEATURED_ZONES = {
    "home": _("首页推荐"),
    "brand": _("品牌馆"),
    "premium": _("优品汇"),
    "special": _("特价促销"),
    "sample": _("免费看样"),
}


class Offer(PublicIdModel, TimeStampedModel):
    """The producer's wholesale terms for one catalogue SKU. The suggested retail price is the
    SKU's price (what shoppers pay in every retailer's shop); regions may sell to retailers
    anywhere between the wholesale price and the wholesale ceiling."""

    sku = models.OneToOneField("catalog.Sku", on_delete=models.PROTECT, related_name="offer")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="supply_offers"
    )
    producer = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="supply_offers"
    )
    wholesale_price = MoneyField(_("出厂批发价"))
    wholesale_ceiling = MoneyField(_("区域批发价上限"))
    min_order_quantity = models.PositiveIntegerField(_("起订量"), default=1)
    placement_category = models.ForeignKey(
        "catalog.Category",
        verbose_name=_("展示分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    featured_zones = models.JSONField(_("推荐位"), default=list, blank=True)

    class Meta:
        verbose_name = _("供货报价")
        verbose_name_plural = _("供货报价")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(wholesale_ceiling__gte=F("wholesale_price")),
                name="supply_offer_ceiling_above_floor",
            ),
            models.CheckConstraint(
                condition=Q(min_order_quantity__gte=1), name="supply_offer_moq_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"offer {self.sku_id}"

    @property
    def zone_labels(self) -> list[str]:
        return [str(FEATURED_ZONES[z]) for z in self.featured_zones if z in FEATURED_ZONES]


class RegionalOffer(PublicIdModel, TimeStampedModel):
    """A region's choice of an approved offer, at its own wholesale price for its retailers."""

    region = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="regional_offers"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="regional")
    wholesale_price = MoneyField(_("区域批发价"))
    is_active = models.BooleanField(_("在售"), default=True)
    selected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("区域选品")
        verbose_name_plural = _("区域选品")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["region", "offer"], name="supply_one_selection")
        ]

    def __str__(self) -> str:
        return f"{self.region_id}:{self.offer_id}"


class PurchaseOrder(PublicIdModel, TimeStampedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待确认")
        CONFIRMED = "confirmed", _("已确认")
        PARTIALLY_SHIPPED = "partially_shipped", _("部分发货")
        SHIPPED = "shipped", _("已发齐")
        RECEIVED = "received", _("已收货")
        CANCELLED = "cancelled", _("已取消")

    number = models.CharField(_("采购单号"), max_length=24, unique=True)
    retailer = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="purchase_orders"
    )
    region = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="region_purchase_orders"
    )
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    total = MoneyField(_("采购金额"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("采购单")
        verbose_name_plural = _("采购单")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.number


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    regional_offer = models.ForeignKey(RegionalOffer, on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    producer = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    unit_price = MoneyField(_("单价"))
    quantity = models.PositiveIntegerField(_("数量"))
    quantity_shipped = models.PositiveIntegerField(_("已发"), default=0)
    quantity_received = models.PositiveIntegerField(_("已收"), default=0)
    line_total = MoneyField(_("小计"))

    class Meta:
        verbose_name = _("采购单明细")
        verbose_name_plural = _("采购单明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="supply_po_line_qty"),
            models.CheckConstraint(
                condition=Q(quantity_shipped__lte=F("quantity")), name="supply_po_shipped_le_qty"
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_shipped")),
                name="supply_po_received_le_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku_id}"

    @property
    def to_ship(self) -> int:
        return self.quantity - self.quantity_shipped


class Shipment(PublicIdModel):
    class Status(models.TextChoices):
        IN_TRANSIT = "in_transit", _("运输中")
        RECEIVED = "received", _("已签收")

    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="shipments")
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.IN_TRANSIT, db_index=True
    )
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("发货单")
        verbose_name_plural = _("发货单")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"shipment {self.public_id}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("发货数量"))
    quantity_received = models.PositiveIntegerField(_("实收数量"), null=True, blank=True)
    discrepancy_note = models.CharField(_("差异说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("发货单明细")
        verbose_name_plural = _("发货单明细")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="supply_ship_line_qty"),
            models.CheckConstraint(
                condition=Q(quantity_received__isnull=True)
                | Q(quantity_received__lte=F("quantity")),
                name="supply_ship_received_le_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.po_line_id}"

    @property
    def shortfall(self) -> int:
        return 0 if self.quantity_received is None else self.quantity - self.quantity_received


class RoutingDecision(models.Model):
    """Why a shopper's delivery order went where it went (for the retailer and for audit)."""

    class Target(models.TextChoices):
        NEAREST = "nearest", _("最近门店")
        FALLBACK = "fallback", _("次近门店")
        WAREHOUSE = "warehouse", _("区域仓")

    order_id = models.CharField(max_length=26, unique=True)
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    location = models.ForeignKey(
        "inventory.StockLocation", on_delete=models.PROTECT, related_name="+"
    )
    target = models.CharField(max_length=10, choices=Target.choices)
    rank = models.PositiveIntegerField(default=1)
    distance_m = models.PositiveIntegerField(null=True, blank=True)
    candidates = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("派单记录")
        verbose_name_plural = _("派单记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.location_id} ({self.target})"


class Party(models.TextChoices):
    PRODUCER = "producer", _("生产商")
    REGION = "region", _("运营中心")
    RETAILER = "retailer", _("零售店")
    PLATFORM = "platform", _("平台")


class Channel(models.TextChoices):
    RETAIL = "retail", _("消费者零售")
    WHOLESALE = "wholesale", _("批发采购")


class SplitRule(TimeStampedModel):
    """How one sale is shared: each party's fixed fee per unit comes first, then the rest by
    percentages that sum to exactly 100. A rule without a category is the channel default."""

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    producer_percent = models.DecimalField(max_digits=5, decimal_places=2)
    region_percent = models.DecimalField(max_digits=5, decimal_places=2)
    retailer_percent = models.DecimalField(max_digits=5, decimal_places=2)
    platform_percent = models.DecimalField(max_digits=5, decimal_places=2)
    producer_fee = MoneyField(default=0)
    region_fee = MoneyField(default=0)
    retailer_fee = MoneyField(default=0)
    platform_fee = MoneyField(default=0)

    class Meta:
        verbose_name = _("分润规则")
        verbose_name_plural = _("分润规则")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "category"], name="supply_one_rule_per_category"
            ),
            models.UniqueConstraint(
                fields=["channel"],
                condition=Q(category__isnull=True),
                name="supply_one_default_rule",
            ),
            models.CheckConstraint(
                condition=Q(producer_percent__gte=0)
                & Q(region_percent__gte=0)
                & Q(retailer_percent__gte=0)
                & Q(platform_percent__gte=0),
                name="supply_rule_percent_nonneg",
            ),
        ]


class Allocation(models.Model):
    """One party's share of one sale, in fen, and the ledger posting that credited it; or,
    after a refund, the part of that share taken back (a negative amount). `sequence` is the
    order's refunded total in fen after the refund it reverses (0 for the sale itself)."""

    class Kind(models.TextChoices):
        SHARE = "share", _("分润")
        REFUND = "refund", _("退款冲回")

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SHARE)
    sequence = models.BigIntegerField(default=0)
    source_kind = models.CharField(max_length=10, choices=Channel.choices)
    source_ref = models.CharField(max_length=26, db_index=True)
    source_number = models.CharField(max_length=24)
    party = models.CharField(max_length=10, choices=Party.choices)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="supply_allocations"
    )
    region = models.ForeignKey(
        "accounts.Organization", null=True, on_delete=models.PROTECT, related_name="+"
    )
    gross_fen = models.BigIntegerField()
    amount_fen = models.BigIntegerField()
    # The platform's share a retailer keeps under its joining fee waiver (免收), included in
    # amount_fen; negative on a refund's row for the part of it taken back.
    waived_fen = models.BigIntegerField(_("免收服务费（分）"), default=0)
    posting = models.ForeignKey(
        "ledger.Posting", null=True, on_delete=models.PROTECT, related_name="+"
    )
    statement = models.ForeignKey(
        "Statement", null=True, blank=True, on_delete=models.PROTECT, related_name="allocations"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("分润明细")
        verbose_name_plural = _("分润明细")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_ref", "kind", "sequence", "party", "organization"],
                name="supply_one_share_per_party",
            ),
            models.CheckConstraint(
                condition=Q(kind="share", amount_fen__gte=0) | Q(kind="refund", amount_fen__lte=0),
                name="supply_share_sign",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_number} {self.party}: {self.amount_fen}"


class Statement(PublicIdModel):
    """A party's settlement for a period: the sum of its allocations, frozen, then paid out."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("待打款")
        PAID = "paid", _("已打款")

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="supply_statements"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    total_fen = models.BigIntegerField()
    waived_fen = models.BigIntegerField(_("免收服务费（分）"), default=0)
    line_count = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ISSUED)
    payout_posting = models.ForeignKey(
        "ledger.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("结算单")
        verbose_name_plural = _("结算单")
        ordering = ["-period_start", "organization_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period_start", "period_end"],
                name="supply_one_statement_per_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.period_start}..{self.period_end}"

    @property
    def total(self):
        return fen_to_yuan(self.total_fen)

    @property
    def waived(self):
        return fen_to_yuan(self.waived_fen)


class Placement(models.Model):
    """Seed 004 b: the management centre's review shows an approved channel product in a
    region whose market fits it. Goods placed nowhere are shown in every region; goods
    placed somewhere are shown to those regions' shoppers (and to any region that selects
    them), and head those regions' selection lists."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="placements"
    )
    region = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="placements"
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("区域投放")
        verbose_name_plural = _("区域投放")
        constraints = [
            models.UniqueConstraint(fields=["product", "region"], name="supply_place_once")
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.region_id}"


class MerchantApplication(PublicIdModel, TimeStampedModel):
    """A retailer's request to join the online mall (supply/onboarding.py): its licence and
    first store wait here, with nothing else written, until the platform approves; approval
    creates the merchant organisation (the applicant its owner) and the store."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已驳回")

    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="merchant_applications"
    )
    company_name = models.CharField(_("企业名称"), max_length=120)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, db_index=True)
    licence_photo = models.CharField(_("营业执照照片"), max_length=200)
    store_name = models.CharField(_("门店名称"), max_length=120)
    store_address = models.CharField(_("门店地址"), max_length=255)
    store_phone = models.CharField(_("门店电话"), max_length=30)
    store_lat = models.FloatField(_("纬度"))
    store_lon = models.FloatField(_("经度"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.CharField(_("驳回原因"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    organization = models.OneToOneField(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merchant_application",
    )
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The joining reward, written once when the merchant goes live (the approval).
    reward_granted_at = models.DateTimeField(_("入驻奖励发放时间"), null=True, blank=True)
    reward_points = models.PositiveIntegerField(_("奖励积分"), default=0)
    fee_waived_until = models.DateField(_("免服务费至"), null=True, blank=True)
    reward_coupon_budget = MoneyField(_("券补贴预算"), default=0)

    class Meta:
        verbose_name = _("商家入驻申请")
        verbose_name_plural = _("商家入驻申请")
        ordering = ["-created_at"]
        constraints = [
            # One live application per licence: a second pending or approved one is refused.
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=Q(status__in=["pending", "approved"]),
                name="supply_one_live_merchant_application",
            ),
            models.UniqueConstraint(
                fields=["applicant"],
                condition=Q(status="pending"),
                name="supply_one_pending_application_per_applicant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.status})"


class JoiningReward(models.Model):
    """What a merchant receives once when it goes live, as the platform last configured it
    (one row, pk 1): platform points to its account, days without the platform's fee, and a
    budget (¥) that pays for its platform-funded coupons."""

    points = models.PositiveIntegerField(_("奖励积分"), default=0)
    fee_waiver_days = models.PositiveIntegerField(_("免服务费天数"), default=0)
    coupon_budget = MoneyField(_("券补贴预算"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("入驻奖励")
        verbose_name_plural = _("入驻奖励")

    def __str__(self) -> str:
        return f"{self.points} pts / {self.fee_waiver_days} d / ¥{self.coupon_budget}"
