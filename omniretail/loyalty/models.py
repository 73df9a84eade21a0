"""Loyalty tables on top of the ledger. The ledger holds balances and postings; these tables
say which lot each point came from (and when it expires), which lots a spend drew on, the
rules that decide how many points an action earns, exchange ratios, members and statements.

Invariant kept by `services`: for a points wallet, the sum of its lots' `remaining` equals
the ledger balance, because every credit creates a lot and every debit draws lots down in
the same transaction."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel
from omniretail.core.money import MoneyField


class Lot(PublicIdModel):
    """Points credited by one posting that expire together. `remaining` only falls (spends,
    expiry) through conditional updates in `services`."""

    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    posting = models.ForeignKey("ledger.Posting", on_delete=models.PROTECT, related_name="+")
    points = models.BigIntegerField(_("积分"))
    remaining = models.BigIntegerField(_("剩余"))
    expires_on = models.DateField(_("到期日"))
    source_org = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expired_posting = models.ForeignKey(
        "ledger.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分批次")
        verbose_name_plural = _("积分批次")
        indexes = [
            models.Index(fields=["account", "expires_on", "id"], name="loyalty_lot_draw_idx"),
            models.Index(fields=["expires_on"], name="loyalty_lot_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(remaining__gte=0) & Q(remaining__lte=models.F("points")),
                name="loyalty_lot_remaining_in_range",
            ),
        ]


class Spend(PublicIdModel):
    """A debit of a member's points: what it drew from which lot, and where it was spent,
    so a refund can put the same points back and settlement knows who owes whom."""

    class Kind(models.TextChoices):
        SPEND = "spend", _("消费")
        CLAWBACK = "clawback", _("退款扣回")
        CONVERT = "convert", _("兑换")

    posting = models.OneToOneField("ledger.Posting", on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey("ledger.Account", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SPEND)
    points = models.BigIntegerField(_("积分"))
    spent_at_org = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The posting that put back the spend's last points; `refunded` counts the points put
    # back so far (a till sale's partial refunds return its offset in shares).
    refund_posting = models.OneToOneField(
        "ledger.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refunded = models.BigIntegerField(_("已退回积分"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分消费")
        verbose_name_plural = _("积分消费")
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded__gte=0, refunded__lte=F("points")),
                name="loyalty_spend_refunded_within",
            )
        ]


class Draw(models.Model):
    spend = models.ForeignKey(Spend, on_delete=models.PROTECT, related_name="draws")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="draws")
    points = models.BigIntegerField()

    class Meta:
        verbose_name = _("积分扣减明细")
        verbose_name_plural = _("积分扣减明细")
        constraints = [models.CheckConstraint(condition=Q(points__gt=0), name="loyalty_draw_pos")]

    def __str__(self) -> str:
        return f"{self.lot_id}: {self.points}"


class SettlementLine(models.Model):
    """Platform points issued against `issuer` spent on `spender`'s goods: issuer owes
    spender. A refund of the spend writes the same line negated."""

    issuer = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    spender = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    points = models.BigIntegerField()
    posting = models.ForeignKey("ledger.Posting", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("积分结算明细")
        verbose_name_plural = _("积分结算明细")

    def __str__(self) -> str:
        return f"{self.issuer_id} -> {self.spender_id}: {self.points}"


class EarnRule(PublicIdModel):
    """How many points an action earns at a merchant; a product rule beats the merchant's.

    `tiers` (per item only) maps a count of identical items to the points for that many,
    e.g. {"1": 1, "2": 3}; larger counts are made of the biggest tiers that fit."""

    class Kind(models.TextChoices):
        PER_ITEM = "per_item", _("按件")
        PER_YUAN = "per_yuan", _("按消费金额")
        SHARE = "share", _("分享")
        FIRST_SCAN = "first_scan", _("首次扫码")
        SCAN = "scan", _("扫码")
        SIGNUP = "signup", _("注册")

    class Target(models.TextChoices):
        PLATFORM = "platform", _("平台积分")
        OFFLINE = "offline", _("商家积分")

    org = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    points = models.PositiveIntegerField(_("积分"))
    tiers = models.JSONField(_("数量阶梯"), default=dict, blank=True)
    target = models.CharField(
        _("积分类型"), max_length=10, choices=Target.choices, default=Target.PLATFORM
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [
            models.UniqueConstraint(
                fields=["org", "kind"],
                condition=Q(product__isnull=True),
                name="loyalty_rule_one_per_merchant",
            ),
            models.UniqueConstraint(
                fields=["org", "kind", "product"],
                condition=Q(product__isnull=False),
                name="loyalty_rule_one_per_product",
            ),
        ]


class OrderAward(models.Model):
    """Points of one asset awarded for a paid order (platform points, the merchant's offline
    points: one row each) and how much of them refunds have clawed back; the shortfall is
    what the member had already spent and could not be taken."""

    order_id = models.CharField(max_length=26)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asset_code = models.CharField(max_length=40)
    total = MoneyField()
    points = models.BigIntegerField()
    refunded = MoneyField(default=0)
    clawed_back = models.BigIntegerField(default=0)
    shortfall = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("订单积分奖励")
        verbose_name_plural = _("订单积分奖励")
        constraints = [
            models.UniqueConstraint(fields=["order_id", "asset_code"], name="loyalty_award_once")
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.points}"


class ExchangeRule(models.Model):
    """A merchant's offline -> platform ratio (`offline` points buy `platform` points) and
    the most offline points one shopper may convert per day."""

    org = models.OneToOneField("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    offline = models.PositiveIntegerField(_("商家积分"))
    platform = models.PositiveIntegerField(_("平台积分"))
    daily_limit = models.PositiveIntegerField(_("每日兑换上限（商家积分）"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分兑换规则")
        verbose_name_plural = _("积分兑换规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(offline__gt=0) & Q(platform__gt=0) & Q(daily_limit__gt=0),
                name="loyalty_exchange_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.offline}:{self.platform}"


class Conversion(PublicIdModel):
    """Two linked postings: offline points to the merchant's clearing account, platform
    points from the merchant's clearing account to the shopper."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    offline_points = models.BigIntegerField()
    platform_points = models.BigIntegerField()
    offline_posting = models.OneToOneField(
        "ledger.Posting", on_delete=models.PROTECT, related_name="+"
    )
    platform_posting = models.OneToOneField(
        "ledger.Posting", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("积分兑换记录")
        verbose_name_plural = _("积分兑换记录")


class StepUp(PublicIdModel):
    """A fresh identity check (OTP or face) that one conversion may consume."""

    class Method(models.TextChoices):
        OTP = "otp", _("短信验证码")
        FACE = "face", _("人脸识别")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=8, choices=Method.choices)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("兑换身份复核")
        verbose_name_plural = _("兑换身份复核")


class FaceEnrolment(models.Model):
    """Consent and the provider's template reference; deleting clears the template."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    provider = models.CharField(max_length=40)
    template_ref = models.CharField(max_length=120, blank=True)
    consented_at = models.DateTimeField()
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("人脸登记")
        verbose_name_plural = _("人脸登记")

    def __str__(self) -> str:
        return f"{self.user_id} {self.provider}"


class Member(PublicIdModel):
    """A shopper's membership of one merchant's programme."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("姓名"), max_length=60, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    tier = models.CharField(_("等级"), max_length=20, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    tier_computed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        constraints = [
            models.UniqueConstraint(fields=["user", "org"], name="loyalty_member_unique")
        ]


class Tier(models.Model):
    """A merchant's tier: reached by rolling 12-month spend OR visits; higher rank wins."""

    org = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("等级名称"), max_length=20)
    rank = models.PositiveSmallIntegerField(_("级别"))
    min_spend = MoneyField(_("12个月消费门槛"), default=0)
    min_visits = models.PositiveIntegerField(_("12个月到访次数门槛"), default=0)
    discount_percent = models.PositiveSmallIntegerField(_("折扣%"), default=0)
    priority_service = models.BooleanField(_("优先服务"), default=False)

    class Meta:
        verbose_name = _("会员等级")
        verbose_name_plural = _("会员等级")
        ordering = ["org", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["org", "rank"], name="loyalty_tier_rank_unique"),
            models.CheckConstraint(
                condition=Q(discount_percent__lte=100), name="loyalty_tier_discount_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Statement(PublicIdModel):
    """One merchant's monthly settlement with every counterparty, in yuan; `digest` hashes
    the inputs so a recomputation can be checked to give the same numbers. The platform
    clears the month: it pays a merchant owed money (net > 0) and collects from one owing
    (net < 0), and records the bank transfer here once (issued -> settled)."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("待结算")
        SETTLED = "settled", _("已结清")

    org = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    point_value = models.DecimalField(max_digits=10, decimal_places=4)
    lines = models.JSONField(default=list)
    net_points = models.BigIntegerField()
    net_yuan = MoneyField(allow_negative=True)
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.ISSUED
    )
    settled_at = models.DateTimeField(_("结清时间"), null=True, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transfer_reference = models.CharField(_("转账流水号"), max_length=64, blank=True)
    posting = models.OneToOneField(
        "ledger.Posting", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("积分结算单")
        verbose_name_plural = _("积分结算单")
        constraints = [
            models.UniqueConstraint(fields=["org", "month"], name="loyalty_statement_unique")
        ]


class JoiningReward(models.Model):
    org = models.OneToOneField("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    posting = models.OneToOneField("ledger.Posting", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("入驻积分奖励")
        verbose_name_plural = _("入驻积分奖励")

    def __str__(self) -> str:
        return str(self.org_id)


class CouponTemplate(PublicIdModel):
    """A coupon a merchant (or the platform, `org` empty) hands out: so much off, or a
    percentage off up to a cap, above a minimum spend, valid for some days from issue, at
    most `per_member_limit` of them per member (ever)."""

    class Kind(models.TextChoices):
        AMOUNT = "amount", _("满减")
        PERCENT = "percent", _("折扣")

    org = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    amount_off = MoneyField(_("减免金额"), default=0)
    percent_off = models.PositiveSmallIntegerField(_("折扣%"), default=0)
    max_off = MoneyField(_("最多减免"), null=True, blank=True)
    min_spend = MoneyField(_("最低消费"), default=0)
    valid_days = models.PositiveSmallIntegerField(_("有效天数"))
    per_member_limit = models.PositiveSmallIntegerField(_("每人限领"), default=1)
    # 平台补贴: each coupon issued is paid from the merchant's coupon budget (loyalty.budget).
    platform_funded = models.BooleanField(_("平台补贴"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    # 领券中心: a public template is claimed by members themselves, at most `total_limit`
    # in all (empty: no limit); `claimed_count` moves by one conditional UPDATE per claim.
    is_public = models.BooleanField(_("领券中心可领"), default=False)
    total_limit = models.PositiveIntegerField(_("发放总量"), null=True, blank=True)
    claimed_count = models.PositiveIntegerField(_("已领数量"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("优惠券模板")
        verbose_name_plural = _("优惠券模板")
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="amount") & Q(amount_off__gt=0))
                | (Q(kind="percent") & Q(percent_off__gte=1) & Q(percent_off__lte=99)),
                name="loyalty_coupon_value",
            ),
            models.CheckConstraint(
                condition=Q(valid_days__gte=1) & Q(per_member_limit__gte=1),
                name="loyalty_coupon_positive",
            ),
            models.CheckConstraint(
                condition=Q(total_limit__isnull=True)
                | Q(claimed_count__lte=models.F("total_limit")),
                name="loyalty_coupon_within_total",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self) -> int | None:
        """How many the 领券中心 still has (None: no total limit)."""
        return None if self.total_limit is None else self.total_limit - self.claimed_count


class Coupon(PublicIdModel):
    """One coupon held by a member. `seq` numbers a member's coupons of one template, so
    the per-member limit is a unique constraint, not a count that two issues could both
    pass. Redeeming is one conditional UPDATE (available -> used, tied to the order);
    cancelling that unpaid order puts it back."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("可用")
        USED = "used", _("已使用")

    class Source(models.TextChoices):
        STAFF = "staff", _("商家发放")
        BIRTHDAY = "birthday", _("生日礼")
        GROUPBUY = "groupbuy", _("拼团安慰")
        CLAIM = "claim", _("领券中心")

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    seq = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    source = models.CharField(max_length=10, choices=Source.choices)
    valid_until = models.DateTimeField(_("有效期至"))
    order_id = models.CharField(max_length=26, blank=True, db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)
    issue_key = models.CharField(max_length=120, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("优惠券")
        verbose_name_plural = _("优惠券")
        indexes = [
            models.Index(fields=["user", "status", "valid_until"], name="loyalty_coupon_mine")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "user", "seq"], name="loyalty_coupon_per_member"
            ),
            models.CheckConstraint(
                condition=Q(status="available", order_id="") | Q(status="used") & ~Q(order_id=""),
                name="loyalty_coupon_used_has_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} -> {self.user_id}"


class TierChange(models.Model):
    """A member's tier moved (up, down, onto or off the ladder): when, from what to what and
    why, for the member's profile. Written with the change itself (`members.record_tier`)."""

    member = models.ForeignKey(
        Member, verbose_name=_("会员"), on_delete=models.CASCADE, related_name="tier_changes"
    )
    from_tier = models.CharField(_("原等级"), max_length=20, blank=True)
    to_tier = models.CharField(_("新等级"), max_length=20, blank=True)
    reason = models.CharField(_("原因"), max_length=200)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会员等级变更")
        verbose_name_plural = _("会员等级变更")
        indexes = [models.Index(fields=["member", "created_at"], name="loyalty_tierchange_member")]

    def __str__(self) -> str:
        return f"{self.from_tier} -> {self.to_tier}"


class MemberNote(PublicIdModel):
    """A staff member's note on a member (会员备注), shown on the profile with its author."""

    member = models.ForeignKey(
        Member, verbose_name=_("会员"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("作者"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("内容"), max_length=500)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("会员备注")
        verbose_name_plural = _("会员备注")

    def __str__(self) -> str:
        return self.text[:30]


class MemberTag(models.Model):
    """A tag a merchant defines and puts on its members (会员标签), to find them again."""

    org = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("标签"), max_length=20)
    members = models.ManyToManyField(Member, related_name="tags", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("会员标签")
        verbose_name_plural = _("会员标签")
        constraints = [
            models.UniqueConstraint(fields=["org", "name"], name="loyalty_member_tag_unique")
        ]

    def __str__(self) -> str:
        return self.name
