"""Daily roll-ups the reports read (docs/analytics.md): a day is rewritten whole by
services.rollup_day, so a page never scans raw orders."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.analytics.models_counters import DailyCounter as DailyCounter
from omniretail.analytics.models_counters import DailyCounterFault as DailyCounterFault
from omniretail.analytics.models_counters import DailyCounterProduct as DailyCounterProduct
from omniretail.analytics.models_marketing import DailyBuyer as DailyBuyer
from omniretail.analytics.models_marketing import DailyCoupons as DailyCoupons
from omniretail.analytics.models_marketing import DailyMarketing as DailyMarketing
from omniretail.analytics.models_marketing import FirstPurchase as FirstPurchase
from omniretail.analytics.models_platform import DailyGroupBuy as DailyGroupBuy
from omniretail.analytics.models_platform import DailyPoints as DailyPoints
from omniretail.analytics.models_platform import DailyReferral as DailyReferral
from omniretail.analytics.models_platform import DailySettlement as DailySettlement
from omniretail.analytics.models_supply import DailySupply as DailySupply
from omniretail.core.money import MoneyField


class Channel(models.TextChoices):
    DELIVERY = "delivery", _("线上配送")
    PICKUP = "pickup", _("到店自提")
    TILL = "till", _("门店收银")
    COUNTER = "counter", _("智能柜")
    GROUP_BUY = "group_buy", _("拼团")
    POINTS_MALL = "points_mall", _("积分商城")


class DailySales(models.Model):
    """One merchant's store and channel on one day. `gmv`/`orders` are the sales paid that
    day, `refunded` what was later refunded of those sales (it lowers this day);
    `returns`/`return_count` are the refunds made on this day, whatever the sale's day."""

    day = models.DateField(db_index=True)
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices)
    orders = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)
    refunded = MoneyField(default=0)
    returns = MoneyField(default=0)
    return_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("每日销售汇总")
        verbose_name_plural = _("每日销售汇总")
        ordering = ["day", "merchant_id", "store_id", "channel"]
        indexes = [models.Index(fields=["merchant", "day"], name="analytics_sales_m_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} ¥{self.gmv}"


class DailyProductSales(models.Model):
    """One merchant's SKU at one store on one day (the store drill-down reads it): units and
    line amounts of the sales paid that day, less what was returned of them (lowers the day
    of the sale)."""

    day = models.DateField(db_index=True)
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    product_name = models.CharField(max_length=120)
    sku_name = models.CharField(max_length=120)
    units = models.PositiveIntegerField(default=0)
    units_returned = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)
    refunded = MoneyField(default=0)

    class Meta:
        verbose_name = _("每日商品销售汇总")
        verbose_name_plural = _("每日商品销售汇总")
        ordering = ["day", "merchant_id", "store_id", "sku_id"]
        indexes = [
            models.Index(fields=["merchant", "day"], name="analytics_product_m_day"),
            models.Index(fields=["store", "day"], name="analytics_product_s_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "merchant", "store", "sku"], name="analytics_product_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.product_name} ×{self.units}"


class HourlySales(models.Model):
    """One merchant's store in one local hour (0–23) of a local day: the sales paid in that
    hour and what was later refunded of them (the daily rows' convention, by hour). Written
    by services.rollup_day with the day's rows, from the same orders."""

    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    orders = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)
    refunded = MoneyField(default=0)

    class Meta:
        verbose_name = _("每小时销售汇总")
        verbose_name_plural = _("每小时销售汇总")
        ordering = ["day", "hour", "merchant_id", "store_id"]
        indexes = [models.Index(fields=["merchant", "day"], name="analytics_hourly_m_day")]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "hour", "merchant", "store"], name="analytics_hourly_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.hour:02d}:00 ¥{self.gmv}"


class DailyPlatform(models.Model):
    """The platform on one day: members who joined and distinct buyers."""

    day = models.DateField(unique=True)
    new_members = models.PositiveIntegerField(default=0)
    buyers = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("平台每日汇总")
        verbose_name_plural = _("平台每日汇总")
        ordering = ["day"]

    def __str__(self) -> str:
        return str(self.day)


class RollupMark(models.Model):
    """Up to when changes have been rolled up: the job's next run looks from here."""

    name = models.CharField(max_length=40, unique=True)
    until = models.DateTimeField()

    class Meta:
        verbose_name = _("汇总进度")
        verbose_name_plural = _("汇总进度")

    def __str__(self) -> str:
        return f"{self.name} {self.until}"


class Segment(models.TextChoices):
    """RFM segments (docs/analytics.md): high or low recency, frequency and monetary."""

    IMPORTANT_VALUE = "important_value", _("重要价值")
    IMPORTANT_KEEP = "important_keep", _("重要保持")
    IMPORTANT_DEVELOP = "important_develop", _("重要发展")
    IMPORTANT_RETAIN = "important_retain", _("重要挽留")
    GENERAL_VALUE = "general_value", _("一般价值")
    GENERAL_KEEP = "general_keep", _("一般保持")
    GENERAL_DEVELOP = "general_develop", _("一般发展")
    GENERAL_RETAIN = "general_retain", _("一般挽留")
    DORMANT = "dormant", _("一年未消费")


class MemberScore(models.Model):
    """One merchant member's RFM as of `as_of` (a local day): rewritten whole per merchant by
    services.score_members, so the same day's run gives the same rows."""

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey("loyalty.Member", on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField(_("计算日"))
    recency_days = models.PositiveIntegerField(_("距上次消费天数"), null=True, blank=True)
    frequency = models.PositiveIntegerField(_("消费次数"), default=0)
    monetary = MoneyField(_("消费金额"), default=0)
    r = models.PositiveSmallIntegerField(default=0)
    f = models.PositiveSmallIntegerField(default=0)
    m = models.PositiveSmallIntegerField(default=0)
    segment = models.CharField(_("分群"), max_length=20, choices=Segment.choices)

    class Meta:
        verbose_name = _("会员RFM评分")
        verbose_name_plural = _("会员RFM评分")
        ordering = ["merchant_id", "segment", "-monetary", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "member"], name="analytics_score_unique")
        ]
        indexes = [models.Index(fields=["merchant", "segment"], name="analytics_score_segment")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.segment}"


class SegmentCampaign(models.Model):
    """A coupon sent to one segment as scored on `as_of`: one per (merchant, snapshot,
    segment, template), so a second click sends nothing more. Each recipient's coupon has the
    issue key `key_prefix` + member id (counted on the page: sent, then redeemed)."""

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    segment = models.CharField(_("分群"), max_length=20, choices=Segment.choices)
    as_of = models.DateField(_("计算日"))
    template = models.ForeignKey(
        "loyalty.CouponTemplate", on_delete=models.PROTECT, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("分群营销")
        verbose_name_plural = _("分群营销")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "as_of", "segment", "template"],
                name="analytics_campaign_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.segment} {self.as_of} {self.template_id}"

    @property
    def key_prefix(self) -> str:
        return f"rfm:{self.pk}:"


class RuleSegment(models.Model):
    """A segment a merchant defines by rules (analytics.rules, combined with AND), read
    afresh each time: its members are whoever matches today. Its key among the segments is
    `rule-<id>`, so the list, the CSV and the coupon take it as they take an RFM segment."""

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=30)
    rules = models.JSONField(_("规则"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("自定义分群")
        verbose_name_plural = _("自定义分群")
        ordering = ["merchant_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="analytics_rule_segment_name")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        return f"rule-{self.pk}"


class MarketingOptOut(models.Model):
    """A shopper who withdrew consent to a merchant's marketing messages (the link in each
    campaign SMS): every later campaign leaves them out and counts them as excluded."""

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("营销退订")
        verbose_name_plural = _("营销退订")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "user"], name="analytics_optout_unique")
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.user_id}"


class SmsCampaign(models.Model):
    """An SMS sent to a segment's members, by a background task: its recipients are fixed
    when it starts (one row each), and each is sent at most once."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        SENDING = "sending", _("发送中")
        DONE = "done", _("已完成")

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    segment = models.CharField(_("分群"), max_length=20)
    segment_name = models.CharField(_("分群名称"), max_length=30)
    text = models.CharField(_("短信内容"), max_length=70)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信营销")
        verbose_name_plural = _("短信营销")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.segment_name} {self.created_at:%Y-%m-%d}"


class SmsRecipient(models.Model):
    """One member of an SMS campaign: pending until the task claims and sends it (sent or
    failed), or excluded from the start (withdrew consent, no phone) with the reason."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")
        EXCLUDED = "excluded", _("已排除")

    campaign = models.ForeignKey(SmsCampaign, on_delete=models.CASCADE, related_name="recipients")
    member = models.ForeignKey("loyalty.Member", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=40, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("短信营销对象")
        verbose_name_plural = _("短信营销对象")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member"], name="analytics_sms_recipient_unique"
            )
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="analytics_sms_status")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.member_id} {self.status}"


class QualityCount(models.Model):
    """How many rows one data-quality check found on one local day (analytics.quality)."""

    day = models.DateField()
    rule = models.CharField(max_length=40)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("数据质量计数")
        verbose_name_plural = _("数据质量计数")
        ordering = ["day", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["day", "rule"], name="analytics_quality_day_check")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.rule} {self.count}"


class MemberMerge(models.Model):
    """A duplicate account merged by the platform into the account its person keeps: what
    was moved (orders, points with their lots, coupons, memberships) so the undo moves
    exactly that back; who merged and who undid, and when (the audit trail)."""

    source = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moved = models.JSONField(default=dict)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("会员合并")
        verbose_name_plural = _("会员合并")
        ordering = ["-merged_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source_id} -> {self.target_id}"

    @property
    def key(self) -> str:
        return f"merge:{self.pk}"


class VerifiedIdentity(models.Model):
    """The outcome of an account's real-name check (姓名 + 身份证号 against the provider),
    kept for de-duplication only: the ID number as a keyed hash and a masked form, never
    raw. Two accounts whose verified checks share a hash are one person twice."""

    class Status(models.TextChoices):
        VERIFIED = "verified", _("已认证")
        FAILED = "failed", _("未通过")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    id_hash = models.CharField(max_length=64, db_index=True)
    id_masked = models.CharField(_("证件号"), max_length=18)
    name_masked = models.CharField(_("姓名"), max_length=30)
    provider = models.CharField(_("认证渠道"), max_length=40)
    checked_at = models.DateTimeField(_("认证时间"))

    class Meta:
        verbose_name = _("实名认证")
        verbose_name_plural = _("实名认证")

    def __str__(self) -> str:
        return f"{self.user_id} {self.id_masked} {self.status}"


class BirthdayCampaign(models.Model):
    """A merchant's birthday offer, a kind of campaign (analytics.birthday): a coupon of its
    template or an amount of its points, given by the scheduled job to each member whose
    birthday falls within `days_before` days from today, once per member per year. One is
    running per merchant: starting another stops it."""

    class Gift(models.TextChoices):
        COUPON = "coupon", _("优惠券")
        POINTS = "points", _("积分")

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    gift = models.CharField(_("礼品"), max_length=10, choices=Gift.choices)
    template = models.ForeignKey(
        "loyalty.CouponTemplate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    points = models.PositiveIntegerField(_("积分"), default=0)
    days_before = models.PositiveSmallIntegerField(_("提前天数"), default=0)
    is_active = models.BooleanField(_("进行中"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("生日营销")
        verbose_name_plural = _("生日营销")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant"],
                condition=models.Q(is_active=True),
                name="analytics_one_birthday_campaign",
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.gift} -{self.days_before}d"


class BirthdayGift(models.Model):
    """One member's birthday offer of one year: the claim (unique per member and year, so
    the job never gives twice however often it runs) and what came of it: the coupon or
    the points given, with the greeting (sent) or without it (excluded: the member withdrew
    consent to marketing)."""

    class Status(models.TextChoices):
        SENT = "sent", _("已发放")
        EXCLUDED = "excluded", _("已排除")

    campaign = models.ForeignKey(BirthdayCampaign, on_delete=models.CASCADE, related_name="gifts")
    member = models.ForeignKey("loyalty.Member", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    coupon = models.ForeignKey(
        "loyalty.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    points = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("生日礼发放")
        verbose_name_plural = _("生日礼发放")
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="analytics_birthday_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.year} {self.status}"


class PointsCampaign(models.Model):
    """The merchant's own points given to a segment's members, by a background task (as the
    SMS campaigns): its recipients are fixed when it starts (one row each) and each gets the
    points once, through the ledger keyed by campaign and member."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        SENDING = "sending", _("发放中")
        DONE = "done", _("已完成")

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    segment = models.CharField(_("分群"), max_length=20)
    segment_name = models.CharField(_("分群名称"), max_length=30)
    points = models.PositiveIntegerField(_("每人积分"))
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("积分营销")
        verbose_name_plural = _("积分营销")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.segment_name} {self.points} {self.created_at:%Y-%m-%d}"


class PointsRecipient(models.Model):
    """One member of a points campaign: pending until the task gives the points (given) or
    the ledger refuses them (failed)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发放")
        GIVEN = "given", _("已发放")
        FAILED = "failed", _("发放失败")

    campaign = models.ForeignKey(
        PointsCampaign, on_delete=models.CASCADE, related_name="recipients"
    )
    member = models.ForeignKey("loyalty.Member", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("积分营销对象")
        verbose_name_plural = _("积分营销对象")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member"], name="analytics_points_recipient_unique"
            )
        ]
        indexes = [models.Index(fields=["campaign", "status"], name="analytics_points_status")]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.member_id} {self.status}"
