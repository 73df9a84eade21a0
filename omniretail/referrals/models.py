"""Share links, their clicks, the sales attributed to them and what each sale earns the
sharer; resellers (one level only: nobody earns on a recruit's sales) and their payouts.
Balances are never kept here: cash and points live in the ledger, these rows say why."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import MoneyField

RATE_PLACES = 4
MAX_REBATE_RATE = Decimal("0.2000")
MAX_COMMISSION_RATE = Decimal("0.3000")
DEFAULT_REBATE_RATE = Decimal("0.0300")
DEFAULT_TIERS = [
    {"up_to": 20, "rate": "0.0500"},
    {"up_to": 50, "rate": "0.0800"},
    {"up_to": None, "rate": "0.1200"},
]


def default_tiers() -> list[dict]:
    return [dict(tier) for tier in DEFAULT_TIERS]


def percent_of(rate) -> str:
    """A rate as a plain percentage number: Decimal("0.0350") -> "3.5", "0.2" -> "20"."""
    return f"{(Decimal(str(rate)) * 100).normalize():f}"


def rate_field(verbose_name, **kwargs) -> models.DecimalField:
    """A share of an amount, 0.0300 for 3 %."""
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=RATE_PLACES, **kwargs)


class Form(models.TextChoices):
    CASH = "cash", _("现金（存入余额）")
    POINTS = "points", _("平台积分")


class ReferralProgramme(PublicIdModel, TimeStampedModel):
    """One merchant's rules: rebate rate and form, how long a click counts, how many
    referred buyers earn reseller rights, the commission tiers and the payout terms."""

    merchant = models.OneToOneField(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="referral_programme",
        limit_choices_to={"kind": "merchant"},
    )
    is_active = models.BooleanField(_("启用"), default=True)
    rebate_rate = rate_field(_("默认返利比例"), default=DEFAULT_REBATE_RATE)
    rebate_form = models.CharField(
        _("返利方式"), max_length=10, choices=Form.choices, default=Form.CASH
    )
    attribution_days = models.PositiveSmallIntegerField(_("分享链接有效天数"), default=7)
    reseller_threshold = models.PositiveSmallIntegerField(_("获得销售权所需推荐人数"), default=5)
    tiers = models.JSONField(_("阶梯提成"), default=default_tiers)
    payout_minimum = MoneyField(_("最低提现金额"), default=Decimal("50.00"))
    freeze_days = models.PositiveSmallIntegerField(_("提成冻结天数"), default=7)

    class Meta:
        verbose_name = _("分享返利规则")
        verbose_name_plural = _("分享返利规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(rebate_rate__gte=0) & Q(rebate_rate__lte=MAX_REBATE_RATE),
                name="referrals_programme_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(attribution_days__gte=1) & Q(attribution_days__lte=90),
                name="referrals_programme_window_range",
            ),
            models.CheckConstraint(
                condition=Q(reseller_threshold__gte=1), name="referrals_programme_threshold"
            ),
            models.CheckConstraint(
                condition=Q(freeze_days__lte=90), name="referrals_programme_freeze_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} referral programme"


class ProductRebateRate(models.Model):
    """A merchant's rebate rate for one product, instead of the programme's default."""

    programme = models.ForeignKey(
        ReferralProgramme, on_delete=models.CASCADE, related_name="product_rates"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    rate = rate_field(_("返利比例"))

    class Meta:
        verbose_name = _("商品返利比例")
        verbose_name_plural = _("商品返利比例")
        constraints = [
            models.UniqueConstraint(fields=["programme", "product"], name="one_rate_per_product"),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=MAX_REBATE_RATE),
                name="referrals_product_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}: {self.rate}"


class ShareLink(PublicIdModel):
    """A shopper's private link to one product; its public form is a signed token."""

    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分享链接")
        verbose_name_plural = _("分享链接")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["sharer", "product"], name="one_link_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.sharer_id} -> {self.product_id}"


class ShareAward(PublicIdModel):
    """Sharing earns points once per product per day, however often the button is pressed."""

    sharer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    points = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分享奖励")
        verbose_name_plural = _("分享奖励")
        constraints = [
            models.UniqueConstraint(
                fields=["sharer", "product", "day"], name="one_share_award_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.sharer_id} {self.product_id} {self.day}"


class ShareVisit(PublicIdModel):
    """A click on a share link. An anonymous click is claimed by the visitor at login; the
    last valid click before payment decides who the sale is attributed to."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    visited_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分享访问")
        verbose_name_plural = _("分享访问")
        indexes = [models.Index(fields=["visitor", "-visited_at"], name="referrals_visit_idx")]

    def __str__(self) -> str:
        return f"{self.link_id} <- {self.visitor_id}"


class Attribution(PublicIdModel, TimeStampedModel):
    """A sale of one product made through a share link, and what it earns the sharer: a
    rebate, or a commission when the sharer is a reseller. Nothing is paid before the
    order has completed and its return window has passed."""

    class Kind(models.TextChoices):
        REBATE = "rebate", _("分享返利")
        COMMISSION = "commission", _("销售提成")

    class Status(models.TextChoices):
        PENDING = "pending", _("待结算")
        CREDITED = "credited", _("已到账")
        REVERSED = "reversed", _("已取消")

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    link = models.ForeignKey(ShareLink, on_delete=models.PROTECT, related_name="attributions")
    sharer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referral_earnings"
    )
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    form = models.CharField(_("方式"), max_length=10, choices=Form.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    base = MoneyField(_("计佣金额"))
    kept_base = MoneyField(_("退款后计佣金额"))
    rate = rate_field(_("比例"), default=Decimal("0"))
    month_rank = models.PositiveIntegerField(_("当月第几单"), null=True, blank=True)
    amount = MoneyField(_("金额"), default=Decimal("0"))
    points = models.PositiveIntegerField(_("积分"), default=0)
    clawed_back = MoneyField(_("已追回"), default=Decimal("0"))
    credited_at = models.DateTimeField(_("到账时间"), null=True, blank=True)
    releases_at = models.DateTimeField(_("解冻时间"), null=True, blank=True, db_index=True)
    released_at = models.DateTimeField(_("已解冻"), null=True, blank=True)
    reversed_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("分享成交")
        verbose_name_plural = _("分享成交")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["sharer", "merchant", "kind", "status"], name="referrals_att_idx")
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="one_sharer_per_sale"),
            models.CheckConstraint(
                condition=~Q(sharer=F("buyer")), name="referrals_no_self_referral"
            ),
            models.CheckConstraint(
                condition=Q(kept_base__lte=F("base")), name="referrals_kept_within_base"
            ),
            models.CheckConstraint(
                condition=Q(clawed_back__lte=F("amount")), name="referrals_clawback_within"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.order_id}/{self.product_id} -> {self.sharer_id}"

    @property
    def net_amount(self) -> Decimal:
        return self.amount - self.clawed_back


class Reseller(PublicIdModel):
    """Reseller rights (销售权) with one merchant, earned by referring enough buyers of one
    product. There is deliberately no "recruited by" link: commission is one level only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reseller_rights"
    )
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="+"
    )
    qualifying_product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+"
    )
    reward_order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reward_amount = MoneyField(_("返还自购款"), default=Decimal("0"))
    reward_refund_id = models.CharField(max_length=26, blank=True)
    granted_at = models.DateTimeField(_("获得时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("分销商")
        verbose_name_plural = _("分销商")
        constraints = [
            models.UniqueConstraint(fields=["user", "merchant"], name="one_reseller_right")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.merchant_id}"


class Debt(PublicIdModel):
    """What a sharer owes back when a rebate or commission already paid out is refunded:
    taken from the account it was paid into, at once as far as it goes, then from later
    earnings. Amounts are in the account's minor unit (fen or points)."""

    attribution = models.ForeignKey(Attribution, on_delete=models.PROTECT, related_name="debts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    fund = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField(_("欠款（最小单位）"))
    recovered = models.BigIntegerField(_("已追回（最小单位）"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("返利欠款")
        verbose_name_plural = _("返利欠款")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="referrals_debt_positive"),
            models.CheckConstraint(
                condition=Q(recovered__gte=0) & Q(recovered__lte=F("amount")),
                name="referrals_debt_recovered_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} owes {self.amount - self.recovered}"

    @property
    def outstanding(self) -> int:
        return self.amount - self.recovered


class PayoutRequest(PublicIdModel, TimeStampedModel):
    """A reseller withdraws commission; the money waits in a pending account until the
    merchant's staff approve (paid out) or reject (back to the reseller) it."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待审核")
        APPROVED = "approved", _("已打款")
        REJECTED = "rejected", _("已驳回")

    reseller = models.ForeignKey(Reseller, on_delete=models.PROTECT, related_name="payouts")
    amount = MoneyField(_("提现金额"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    reason = models.CharField(_("驳回原因"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("提现申请")
        verbose_name_plural = _("提现申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="referrals_payout_positive")
        ]

    def __str__(self) -> str:
        return f"{self.reseller_id} {self.amount} {self.status}"
