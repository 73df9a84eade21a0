"""Group-buy tables. A campaign is cut, when it is published, into groups of `group_size`
pre-minted seats; a join claims one free seat (one conditional UPDATE, SKIP LOCKED on
PostgreSQL), so no group can ever hold more members than seats. Each group carries its own
secret seed, committed (SHA-256) from the moment the campaign is published and revealed once
the group has been drawn; each member brings a random value of their own, which enters the
draw with the seed (see draw.py)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.core.money import MoneyField


class Campaign(PublicIdModel, TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="group_campaigns"
    )
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("活动名称"), max_length=80)
    description = models.CharField(_("活动说明"), max_length=500, blank=True)
    quantity = models.PositiveIntegerField(_("商品数量"))
    group_price = MoneyField(_("拼团价"))
    group_size = models.PositiveIntegerField(_("成团人数"))
    winners_per_group = models.PositiveIntegerField(_("每团中签人数"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"), db_index=True)
    navigation_address = models.CharField(_("导航地址"), max_length=200)
    phone = models.CharField(_("联系电话"), max_length=30)
    consolation_points = models.PositiveIntegerField(_("未中签安慰积分"), default=0)
    unfilled_points = models.PositiveIntegerField(_("未成团安慰积分"), default=0)
    consolation_coupon = models.ForeignKey(
        "loyalty.CouponTemplate",
        verbose_name=_("未中签安慰优惠券"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("拼团活动")
        verbose_name_plural = _("拼团活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(group_price__gt=0), name="groupbuy_price_positive"),
            models.CheckConstraint(condition=Q(group_size__gte=2), name="groupbuy_size_at_least_2"),
            models.CheckConstraint(
                condition=Q(winners_per_group__gte=1) & Q(winners_per_group__lt=F("group_size")),
                name="groupbuy_winners_below_size",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="groupbuy_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Group(PublicIdModel):
    class Status(models.TextChoices):
        OPEN = "open", _("拼团中")
        FULL = "full", _("已成团，待开奖")
        DRAWN = "drawn", _("已开奖")
        SETTLED = "settled", _("已完成")
        FAILED = "failed", _("未成团")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="groups")
    number = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    winners_count = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    paid_count = models.PositiveIntegerField(default=0)
    seed = models.CharField(max_length=64, help_text="hex; secret until the group is drawn")
    commitment = models.CharField(max_length=64, help_text="SHA-256 of the seed bytes, hex")
    member_list = models.JSONField(default=list, blank=True)
    member_list_hash = models.CharField(max_length=64, blank=True)
    winners = models.JSONField(default=list, blank=True)
    draw_version = models.PositiveSmallIntegerField(
        default=2, help_text="1: drawn from the seed alone (groups published before 2026-12)"
    )
    client_values = models.JSONField(
        default=list, blank=True, help_text="the members' values in seat order, frozen with them"
    )
    filled_at = models.DateTimeField(null=True, blank=True)
    drawn_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("拼团团组")
        verbose_name_plural = _("拼团团组")
        ordering = ["campaign_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="groupbuy_group_number"),
            models.CheckConstraint(
                condition=Q(paid_count__lte=F("size")), name="groupbuy_paid_within_size"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} #{self.number}"


class Seat(models.Model):
    """A pre-minted place in a group: claimed by a join, freed when its payment lapses."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="seats")
    number = models.PositiveIntegerField()
    taken = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("拼团名额")
        verbose_name_plural = _("拼团名额")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["campaign", "id"], condition=Q(taken=False), name="groupbuy_free_seat_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group_id}.{self.number}"


LIVE_MEMBER = ("pending_payment", "paid", "won", "voucher_issued", "lost", "refunded")


class Member(PublicIdModel):
    """One shopper's place in one group, pre-paid by a payment intent of purpose `groupbuy`."""

    class Status(models.TextChoices):
        PENDING_PAYMENT = "pending_payment", _("待支付")
        PAID = "paid", _("已支付，等待成团")
        WON = "won", _("中签")
        VOUCHER_ISSUED = "voucher_issued", _("中签，凭券到店核销")
        LOST = "lost", _("未中签")
        REFUNDED = "refunded", _("已退款")
        EXPIRED = "expired", _("超时未支付")

    LIVE = LIVE_MEMBER

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="members")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="+")
    seat_number = models.PositiveIntegerField()
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_memberships"
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING_PAYMENT, db_index=True
    )
    amount = MoneyField()
    intent_id = models.CharField(max_length=26, db_index=True)
    client_value = models.CharField(
        max_length=64, blank=True, help_text="the joiner's own 32 random bytes, hex"
    )
    pay_by = models.DateTimeField(db_index=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    consolation_points = models.PositiveIntegerField(default=0)
    joined_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("拼团成员")
        verbose_name_plural = _("拼团成员")
        ordering = ["group_id", "seat_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "shopper"],
                condition=Q(status__in=LIVE_MEMBER),
                name="groupbuy_one_live_join_per_shopper",
            ),
            models.UniqueConstraint(
                fields=["seat"], condition=Q(status__in=LIVE_MEMBER), name="groupbuy_one_per_seat"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}.{self.seat_number} {self.status}"
