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


class CreditRule(PublicIdModel, TimeStampedModel):
    """授信规则: a member whose best loyalty tier has at least `min_tier_rank` and who has
    at least `min_paid_orders` paid orders is granted a line of `limit`. The active rule
    with the highest limit that a member meets applies."""

    min_tier_rank = models.PositiveSmallIntegerField(_("最低会员等级"), default=0)
    min_paid_orders = models.PositiveIntegerField(_("最少已付订单"), default=0)
    limit = MoneyField(_("授信额度"))
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("授信规则")
        verbose_name_plural = _("授信规则")
        ordering = ["-is_active", "-limit", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(limit__gt=0), name="payments_creditrule_positive")
        ]

    def __str__(self) -> str:
        return f"等级≥{self.min_tier_rank} 订单≥{self.min_paid_orders} ¥{self.limit}"


class CreditLine(PublicIdModel, TimeStampedModel):
    """A member's credit line (信用额度). The available credit is the member's ledger
    account of kind `credit`; what is owed is `limit` minus it, held by the issued bills,
    the current period (`period_*`, billed at the month's end) and the instalment plans.
    Paying with it needs the line neither frozen by staff nor overdue."""

    class Source(models.TextChoices):
        RULE = "rule", _("规则授信")
        STAFF = "staff", _("人工授信")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_line"
    )
    limit = MoneyField(_("授信额度"))
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    rule = models.ForeignKey(
        CreditRule, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    frozen = models.BooleanField(_("人工冻结"), default=False)
    overdue = models.BooleanField(_("逾期冻结"), default=False)
    period_start = models.DateField(_("本期开始"))
    period_spent = MoneyField(_("本期消费"), default=ZERO)
    period_refunded = MoneyField(_("本期退款"), default=ZERO)
    period_repaid = MoneyField(_("本期提前还款"), default=ZERO)

    class Meta:
        verbose_name = _("信用额度")
        verbose_name_plural = _("信用额度")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(limit__gt=0), name="payments_creditline_positive")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ¥{self.limit}"

    @property
    def usable(self) -> bool:
        return not (self.frozen or self.overdue)

    @property
    def period_owed(self):
        return self.period_spent - self.period_refunded - self.period_repaid


class CreditLineEvent(PublicIdModel):
    """What happened to a line and who did it (授信、调额、冻结、解冻、逾期): the audit trail
    of the finance page; an event's id keys the ledger posting of a limit change."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("授信")
        ADJUST = "adjust", _("调整额度")
        FREEZE = "freeze", _("冻结")
        UNFREEZE = "unfreeze", _("解冻")
        OVERDUE = "overdue", _("逾期冻结")
        CURED = "cured", _("还清解冻")

    line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    old_limit = MoneyField(_("原额度"), null=True, blank=True)
    new_limit = MoneyField(_("新额度"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("信用额度变更")
        verbose_name_plural = _("信用额度变更")
        ordering = ["-id"]


class CreditBill(PublicIdModel, TimeStampedModel):
    """账单: one calendar month (China time) of a line: spent minus refunded minus repaid
    early is `amount`, due on `due_on`; `settled` is what repayments and later refunds
    took off it. Unpaid after the due date it is overdue and charged a daily late fee."""

    line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="bills")
    period_start = models.DateField(_("账期开始"))
    period_end = models.DateField(_("账期结束"))
    spent = MoneyField(_("消费"), default=ZERO)
    refunded = MoneyField(_("退款"), default=ZERO)
    repaid_early = MoneyField(_("提前还款"), default=ZERO)
    amount = MoneyField(_("应还"), default=ZERO)
    settled = MoneyField(_("已还"), default=ZERO)
    late_fees = MoneyField(_("滞纳金"), default=ZERO)
    due_on = models.DateField(_("还款日"))
    paid_at = models.DateTimeField(_("还清时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用账单")
        verbose_name_plural = _("信用账单")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["line", "period_start"], name="payments_bill_once"),
            # amount = spent − refunded − repaid_early is kept in Python (exact Decimals):
            # SQLite would check a sum in floats.
            models.CheckConstraint(
                condition=Q(settled__gte=0) & Q(settled__lte=F("amount")),
                name="payments_bill_settled_within",
            ),
        ]

    @property
    def remaining(self):
        return self.amount - self.settled


class InstalmentTerms(PublicIdModel, TimeStampedModel):
    """分期设置 of one merchant (`organization`) or, without one, the platform's for every
    merchant without its own: which of 3/6/12 months are offered and when the goods are
    released (on the first instalment or on full payment)."""

    class Release(models.TextChoices):
        FIRST = "first", _("首期付款后发货")
        FULL = "full", _("全部付清后发货")

    organization = models.OneToOneField(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="instalment_terms",
    )
    months = models.JSONField(_("可选期数"), default=list)
    release = models.CharField(
        _("发货规则"), max_length=8, choices=Release.choices, default=Release.FIRST
    )

    class Meta:
        verbose_name = _("分期设置")
        verbose_name_plural = _("分期设置")


class InstalmentPlan(PublicIdModel, TimeStampedModel):
    """分期: a credit purchase of `principal` (the order's intent, `intent_id`) repaid in
    `months` monthly instalments with a fee; the first is paid at checkout through a
    provider, which is when the principal is taken from the credit line."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待付首期")
        ACTIVE = "active", _("还款中")
        COMPLETED = "completed", _("已还清")
        CANCELLED = "cancelled", _("已取消")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="instalment_plans"
    )
    intent_id = models.CharField(_("订单支付单"), max_length=26)
    principal = MoneyField(_("本金"))
    months = models.PositiveSmallIntegerField(_("期数"))
    fee_rate = models.DecimalField(_("手续费率"), max_digits=6, decimal_places=4)
    fee = MoneyField(_("手续费"))
    release = models.CharField(_("发货规则"), max_length=8, choices=InstalmentTerms.Release.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    principal_refunded = MoneyField(_("退款冲减本金"), default=ZERO)

    class Meta:
        verbose_name = _("分期计划")
        verbose_name_plural = _("分期计划")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["intent_id"],
                condition=~Q(status="cancelled"),
                name="payments_instalment_one_live_plan",
            ),
        ]


class Instalment(models.Model):
    """One instalment of a plan: its share of principal and fee, due on `due_on`."""

    plan = models.ForeignKey(InstalmentPlan, on_delete=models.CASCADE, related_name="instalments")
    number = models.PositiveSmallIntegerField(_("期次"))
    due_on = models.DateField(_("到期日"))
    principal = MoneyField(_("本金"))
    fee = MoneyField(_("手续费"))
    late_fees = MoneyField(_("滞纳金"), default=ZERO)
    paid_at = models.DateTimeField(_("还款时间"), null=True, blank=True)
    waived = models.BooleanField(_("已免除"), default=False)

    class Meta:
        verbose_name = _("分期期次")
        verbose_name_plural = _("分期期次")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="payments_instalment_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} #{self.number} {self.due_on}"

    @property
    def amount(self):
        return self.principal + self.fee

    @property
    def open(self) -> bool:
        return self.paid_at is None and not self.waived


class CreditRepayment(PublicIdModel, TimeStampedModel):
    """还款 through any online provider (purpose `credit_repayment`): a bill repayment
    (`plan` empty), an instalment of a plan, or the early repayment of a whole plan. It
    reaches the line once, when its own intent is paid."""

    class Kind(models.TextChoices):
        BILL = "bill", _("账单还款")
        INSTALMENT = "instalment", _("分期还款")
        EARLY = "early", _("提前还清")

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        CREDITED = "credited", _("已入账")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credit_repayments"
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    plan = models.ForeignKey(
        InstalmentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    instalment_numbers = models.JSONField(_("期次"), default=list, blank=True)
    amount = MoneyField(_("金额"))
    intent_id = models.CharField(_("支付单"), max_length=26, unique=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    credited_at = models.DateTimeField(_("入账时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("信用还款")
        verbose_name_plural = _("信用还款")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_repayment_positive")
        ]


class LateFee(models.Model):
    """One day's late fee (滞纳金) on an overdue bill or instalment: at most one per day."""

    bill = models.ForeignKey(
        CreditBill, null=True, blank=True, on_delete=models.PROTECT, related_name="fees"
    )
    instalment = models.ForeignKey(
        Instalment, null=True, blank=True, on_delete=models.PROTECT, related_name="fees"
    )
    day = models.DateField(_("计费日"))
    overdue = MoneyField(_("逾期金额"))
    amount = MoneyField(_("滞纳金"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("滞纳金")
        verbose_name_plural = _("滞纳金")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bill", "day"], name="payments_latefee_bill_day"),
            models.UniqueConstraint(
                fields=["instalment", "day"], name="payments_latefee_instalment_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} ¥{self.amount}"
