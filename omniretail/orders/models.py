"""Carts, orders and what happens after: pickup codes (核销) and after-sales (售后)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel, new_public_id
from omniretail.core.money import MoneyField

MAX_LINE_QUANTITY = 99


class Cart(PublicIdModel, TimeStampedModel):
    """A shopper's cart; an anonymous one lives on the session and merges in at login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("购物车")
        verbose_name_plural = _("购物车")

    def __str__(self) -> str:
        return f"cart {self.public_id}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "sku"], name="one_line_per_sku"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_LINE_QUANTITY),
                name="cart_quantity_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku_id}"


class Order(PublicIdModel, TimeStampedModel):
    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("待付款")
        PAID = "paid", _("已付款")
        READY_FOR_PICKUP = "ready_for_pickup", _("待自提")
        SHIPPED = "shipped", _("配送中")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")
        REFUND_REQUESTED = "refund_requested", _("退款中")
        REFUNDED = "refunded", _("已退款")

    class Fulfilment(models.TextChoices):
        DELIVERY = "delivery", _("同城配送")
        PICKUP = "pickup", _("到店自提")
        COUNTER = "counter", _("智能柜自助")
        IN_STORE = "in_store", _("门店收银")

    number = models.CharField(_("订单号"), max_length=20, unique=True)
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
    )
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="orders"
    )
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    location = models.ForeignKey(
        "inventory.StockLocation", on_delete=models.PROTECT, related_name="orders"
    )
    fulfilment = models.CharField(_("履约方式"), max_length=12, choices=Fulfilment.choices)
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING_PAYMENT,
        db_index=True,
    )
    pickup_slot_start = models.DateTimeField(_("自提时段开始"), null=True, blank=True)
    pickup_slot_end = models.DateTimeField(_("自提时段结束"), null=True, blank=True)
    # a same-city delivery booked for a window (定时达); none is 尽快送达
    delivery_slot_start = models.DateTimeField(_("送达时段开始"), null=True, blank=True)
    delivery_slot_end = models.DateTimeField(_("送达时段结束"), null=True, blank=True)
    delivery_address = models.JSONField(_("收货地址"), default=dict, blank=True)
    subtotal = MoneyField(_("商品金额"))
    discount_total = MoneyField(_("优惠"), default=0)
    # What makes up discount_total: [{"kind": "tier"|"coupon", "label", "amount", "coupon"?}]
    discount_lines = models.JSONField(_("优惠明细"), default=list, blank=True)
    delivery_fee = MoneyField(_("配送费"), default=0)
    total = MoneyField(_("应付金额"))
    amount_refunded = MoneyField(_("已退款金额"), default=0)
    payment_provider = models.CharField(max_length=32, blank=True)
    payment_intent_id = models.CharField(max_length=26, blank=True, db_index=True)
    expires_at = models.DateTimeField(_("支付截止"), null=True, blank=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = _("订单")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["store", "status", "created_at"]),
            # the slot's booked orders, counted at every checkout (orders.slots._taken)
            models.Index(
                fields=["store", "pickup_slot_start"],
                condition=Q(pickup_slot_start__isnull=False),
                name="order_pickup_slot",
            ),
            models.Index(
                fields=["store", "delivery_slot_start"],
                condition=Q(delivery_slot_start__isnull=False),
                name="order_delivery_slot",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=models.F("total")),
                name="order_refund_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(PublicIdModel):
    """A price snapshot: later price changes never alter what was bought. Its public id is
    what an after-sales request names it by."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    product_name = models.CharField(max_length=120)
    sku_name = models.CharField(max_length=120)
    unit_price = MoneyField()
    quantity = models.PositiveIntegerField()
    line_total = MoneyField()
    quantity_returned = models.PositiveIntegerField(default=0)
    reservation = models.ForeignKey(
        "inventory.Reservation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity"),
            models.CheckConstraint(
                condition=Q(quantity_returned__lte=models.F("quantity")),
                name="order_line_return_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"


class OrderEvent(models.Model):
    """The status timeline the shopper and the store both see."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    note = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status} → {self.to_status}"


class PickupCode(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="pickup_code")
    code = models.CharField(max_length=12, unique=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提货码")
        verbose_name_plural = _("提货码")

    def __str__(self) -> str:
        # Never the code itself: this is what the admin's titles and breadcrumbs show.
        return str(self.order)


class RedemptionAttempt(models.Model):
    """Every try at a pickup code, accepted or not, for audit."""

    class Outcome(models.TextChoices):
        REDEEMED = "redeemed", _("核销成功")
        UNKNOWN_CODE = "unknown_code", _("无效码")
        WRONG_STORE = "wrong_store", _("非本店订单")
        ALREADY_REDEEMED = "already_redeemed", _("已核销")
        NOT_READY = "not_ready", _("订单状态不可核销")
        NOT_STAFF = "not_staff", _("无权核销")

    token = models.CharField(max_length=26, unique=True, default=new_public_id, editable=False)
    code = models.CharField(max_length=40)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(Order, null=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("核销尝试记录")
        verbose_name_plural = _("核销尝试记录")

    def __str__(self) -> str:
        return f"{self.code}: {self.outcome}"


class AfterSalesRequest(PublicIdModel, TimeStampedModel):
    class Kind(models.TextChoices):
        REFUND_ONLY = "refund_only", _("仅退款")
        RETURN_AND_REFUND = "return_refund", _("退货退款")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待处理")
        # A return of goods the shopper holds: approved, the goods are on their way back.
        AWAITING_RETURN = "awaiting_return", _("待寄回")
        RETURN_SENT = "return_sent", _("待商家收货")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("已拒绝")
        REFUNDED = "refunded", _("已退款")

    class ReturnMethod(models.TextChoices):
        SHIP = "ship", _("快递寄回")
        DROP_OFF = "drop_off", _("到店退还")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="after_sales")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(_("原因"), max_length=500)
    photos = models.JSONField(default=list, blank=True)
    lines = models.JSONField(default=dict, help_text="{order line id: quantity}")
    amount = MoneyField()
    previous_status = models.CharField(max_length=20)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_note = models.CharField(max_length=500, blank=True)
    return_method = models.CharField(
        _("退货方式"), max_length=10, choices=ReturnMethod.choices, blank=True
    )
    return_carrier = models.CharField(_("快递公司"), max_length=20, blank=True)
    return_tracking_no = models.CharField(_("快递单号"), max_length=40, blank=True)
    return_sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(_("商家收货时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Whether the returned goods can be sold again (back on the shelf) or not (written off).
    resellable = models.BooleanField(_("可二次销售"), null=True, blank=True)
    receipt_note = models.CharField(_("验货说明"), max_length=500, blank=True)
    refund_id = models.CharField(max_length=26, blank=True)

    class Meta:
        verbose_name = _("售后申请")
        verbose_name_plural = _("售后申请")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind} {self.status}"


class Complaint(PublicIdModel, TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        RESOLVED = "resolved", _("已处理")

    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.SET_NULL)
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("投诉内容"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(blank=True)

    class Meta:
        verbose_name = _("投诉")
        verbose_name_plural = _("投诉")

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.text[:20]}"


class Delivery(models.Model):
    """The rider's leg of a same-city delivery order (orders.delivery): who carries it,
    where it is, when it was promised. The order's own status moves with it (picked up:
    配送中), and the shopper's confirmation completes the order."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("待接单")
        ACCEPTED = "accepted", _("骑手已接单")
        PICKED_UP = "picked_up", _("骑手已取货")
        ON_THE_WAY = "on_the_way", _("配送中")
        DELIVERED = "delivered", _("已送达")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="delivery")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.WAITING)
    rider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )
    distance_m = models.PositiveIntegerField(_("配送距离（米）"), null=True, blank=True)
    # The shopper gives it to the rider at the door (shown on the order page).
    code = models.CharField(_("收货码"), max_length=6)
    photo = models.CharField(max_length=200, blank=True)  # core.uploads stored name
    promised_at = models.DateTimeField(_("预计送达"), null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    picked_up_at = models.DateTimeField(null=True, blank=True)
    on_the_way_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    late_flagged_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("配送")
        verbose_name_plural = _("配送")
        indexes = [models.Index(fields=["status", "promised_at"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.status}"
