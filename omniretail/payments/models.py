"""Payment intents, refunds and the log of every gateway callback. Payments knows nothing of
orders: an intent pays for `(purpose, reference)`, an opaque pair chosen by the caller."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import CURRENCY, ZERO, MoneyField
from omniretail.payments.sandbox_gateway.models import SandboxCharge, SandboxRefund

__all__ = ["CallbackLog", "PaymentIntent", "Refund", "SandboxCharge", "SandboxRefund"]


class Provider:
    """Names of the built-in providers; others are plug-ins (`payments.providers`)."""

    SANDBOX_GATEWAY = "sandbox_gateway"
    CASH = "cash"
    BALANCE = "balance"


class PaymentIntent(PublicIdModel, TimeStampedModel):
    """The will to be paid `amount` for one thing. Status moves forward only, by conditional
    updates, so a replayed or late gateway callback can never pay twice or undo a payment."""

    class Status(models.TextChoices):
        REQUIRES_PAYMENT = "requires_payment", _("待支付")
        PROCESSING = "processing", _("支付中")
        SUCCEEDED = "succeeded", _("已支付")
        FAILED = "failed", _("支付失败")
        CANCELLED = "cancelled", _("已取消")
        PARTIALLY_REFUNDED = "partially_refunded", _("部分退款")
        REFUNDED = "refunded", _("已退款")

    OPEN = (Status.REQUIRES_PAYMENT, Status.PROCESSING)
    PAID = (Status.SUCCEEDED, Status.PARTIALLY_REFUNDED, Status.REFUNDED)

    purpose = models.CharField(_("用途"), max_length=40)
    reference = models.CharField(_("关联对象"), max_length=120)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("付款人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_intents",
    )
    payee = models.ForeignKey(
        "accounts.Organization",
        verbose_name=_("收款方"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_intents",
    )
    amount = MoneyField(_("金额"))
    currency = models.CharField(_("币种"), max_length=3, default=CURRENCY)
    provider = models.CharField(_("支付方式"), max_length=20)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REQUIRES_PAYMENT
    )
    amount_refunded = MoneyField(_("已退款"), default=ZERO)
    provider_reference = models.CharField(_("渠道单号"), max_length=120, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    paid_at = models.DateTimeField(_("支付时间"), null=True, blank=True)
    failure_reason = models.CharField(_("失败原因"), max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("支付单")
        verbose_name_plural = _("支付单")
        ordering = ["-id"]
        indexes = [models.Index(fields=["purpose", "reference"], name="payments_intent_ref_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_intent_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payments_intent_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose}:{self.reference} ¥{self.amount} {self.status}"

    @property
    def refundable(self):
        return self.amount - self.amount_refunded if self.status in self.PAID else ZERO


class Refund(PublicIdModel, TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("处理中")
        SUCCEEDED = "succeeded", _("已退款")
        FAILED = "failed", _("退款失败")

    intent = models.ForeignKey(PaymentIntent, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField(_("退款金额"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    provider_reference = models.CharField(_("渠道退款单号"), max_length=120, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=255, unique=True)
    request_fingerprint = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_positive"),
        ]

    def __str__(self) -> str:
        return f"¥{self.amount} {self.status}"


class CallbackLog(models.Model):
    """Every callback as received, genuine or forged: the audit trail for disputes."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", _("已处理")
        DUPLICATE = "duplicate", _("重复（无变化）")
        IGNORED = "ignored", _("忽略（状态不可回退）")
        BAD_SIGNATURE = "bad_signature", _("签名无效")
        STALE = "stale", _("时间戳过期")
        MALFORMED = "malformed", _("格式错误")
        UNKNOWN_INTENT = "unknown_intent", _("找不到支付单")
        MISMATCH = "mismatch", _("金额或单号不符")

    provider = models.CharField(_("支付方式"), max_length=20)
    headers = models.JSONField(default=dict)
    body = models.TextField()
    signature_valid = models.BooleanField(default=False)
    event_id = models.CharField(max_length=64, blank=True, db_index=True)
    event_type = models.CharField(max_length=40, blank=True)
    intent = models.ForeignKey(
        PaymentIntent, null=True, blank=True, on_delete=models.SET_NULL, related_name="callbacks"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("回调日志")
        verbose_name_plural = _("回调日志")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.outcome}"


class TopUpRule(PublicIdModel, TimeStampedModel):
    """充值满赠: a top-up of at least `threshold` gets `bonus` added to the balance, while
    the rule is active and inside its window. The biggest bonus that applies is given."""

    threshold = MoneyField(_("充值满"))
    bonus = MoneyField(_("赠送"))
    starts_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    ends_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("充值赠送规则")
        verbose_name_plural = _("充值赠送规则")
        ordering = ["threshold", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(bonus__gt=0) & Q(bonus__lt=F("threshold")),
                name="payments_topuprule_bonus_below_threshold",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="payments_topuprule_window",
            ),
        ]

    def __str__(self) -> str:
        return f"满 ¥{self.threshold} 送 ¥{self.bonus}"


class TopUp(PublicIdModel, TimeStampedModel):
    """A shopper adding money to their balance (充值) through a provider. The bonus is fixed
    when the top-up starts (the shopper saw it); both are credited once the intent is paid,
    and a refund takes back the bonus in proportion."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        CREDITED = "credited", _("已到账")
        REFUNDED = "refunded", _("已退款")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="top_ups"
    )
    amount = MoneyField(_("充值金额"))
    bonus = MoneyField(_("赠送金额"), default=ZERO)
    rule = models.ForeignKey(
        TopUpRule, null=True, blank=True, on_delete=models.PROTECT, related_name="top_ups"
    )
    intent_id = models.CharField(_("支付单"), max_length=26, unique=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    credited_at = models.DateTimeField(_("到账时间"), null=True, blank=True)
    amount_refunded = MoneyField(_("已退金额"), default=ZERO)
    bonus_clawed_back = MoneyField(_("已扣回赠送"), default=ZERO)

    class Meta:
        verbose_name = _("充值")
        verbose_name_plural = _("充值")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_topup_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount"))
                & Q(bonus_clawed_back__lte=F("bonus")),
                name="payments_topup_refund_within",
            ),
        ]

    def __str__(self) -> str:
        return f"¥{self.amount} + ¥{self.bonus} {self.status}"


class Reconciliation(PublicIdModel, TimeStampedModel):
    """对账: one provider's statement of one day matched against our intents and refunds.
    Run again, it replaces its findings (the statement may have been late or corrected)."""

    provider = models.CharField(_("支付方式"), max_length=20)
    day = models.DateField(_("账单日"))
    statement_lines = models.PositiveIntegerField(_("账单笔数"), default=0)
    matched = models.PositiveIntegerField(_("一致笔数"), default=0)
    error = models.CharField(_("错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("对账")
        verbose_name_plural = _("对账")
        ordering = ["-day", "provider"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "day"], name="payments_recon_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.day}"


class Mismatch(models.Model):
    """One difference found by a reconciliation."""

    class Kind(models.TextChoices):
        MISSING = "missing", _("平台有、渠道账单无")
        EXTRA = "extra", _("渠道账单有、平台无")
        AMOUNT = "amount", _("金额不一致")
        REFUND = "refund", _("退款不一致")

    reconciliation = models.ForeignKey(
        Reconciliation, on_delete=models.CASCADE, related_name="mismatches"
    )
    kind = models.CharField(_("差异类型"), max_length=10, choices=Kind.choices)
    intent_id = models.CharField(_("支付单"), max_length=64, blank=True)
    refund_id = models.CharField(_("退款单"), max_length=64, blank=True)
    provider_reference = models.CharField(_("渠道单号"), max_length=120, blank=True)
    ours = MoneyField(_("平台金额"), null=True, blank=True)
    theirs = MoneyField(_("渠道金额"), null=True, blank=True)

    class Meta:
        verbose_name = _("对账差异")
        verbose_name_plural = _("对账差异")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.intent_id or self.refund_id}"
