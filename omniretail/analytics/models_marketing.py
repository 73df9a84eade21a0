"""The merchant marketing page's daily roll-ups (docs/analytics.md, "Marketing"): written
whole per local day by rollup_marketing.rollup_day, read by report_marketing. A sale's
figures belong to the day it was paid; what is refunded of it later lowers that day."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.core.money import MoneyField


class DailyMarketing(models.Model):
    """One merchant on one local day: members who joined its programme, sales made through
    share links (referrals) and their commission, and its own points' flows in and out of
    members' wallets (the liability moves by issued − redeemed − expired + other)."""

    day = models.DateField()
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    new_members = models.PositiveIntegerField(default=0)
    referred_orders = models.PositiveIntegerField(default=0)
    referred_gmv = MoneyField(default=0)
    referred_refunded = MoneyField(default=0)
    referral_cost = MoneyField(default=0)
    points_issued = models.BigIntegerField(default=0)
    points_redeemed = models.BigIntegerField(default=0)
    points_expired = models.BigIntegerField(default=0)
    points_other = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("每日营销汇总")
        verbose_name_plural = _("每日营销汇总")
        ordering = ["day", "merchant_id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "day"], name="analytics_marketing_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.merchant_id}"


class DailyBuyer(models.Model):
    """One shopper's purchases at one merchant on one local day: the paid orders not
    refunded in full, and their net amount (what the repeat rate is counted from)."""

    day = models.DateField()
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    orders = models.PositiveIntegerField(default=0)
    net = MoneyField(default=0)

    class Meta:
        verbose_name = _("每日顾客消费汇总")
        verbose_name_plural = _("每日顾客消费汇总")
        ordering = ["day", "merchant_id", "shopper_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "day", "shopper"], name="analytics_buyer_unique"
            )
        ]
        indexes = [models.Index(fields=["merchant", "shopper", "day"], name="analytics_buyer_ms")]

    def __str__(self) -> str:
        return f"{self.day} {self.merchant_id} {self.shopper_id} ×{self.orders}"


class FirstPurchase(models.Model):
    """The first day a shopper bought at a merchant (the earliest DailyBuyer row): a buyer
    of a period whose first day is before it is a returning buyer."""

    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    shopper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()

    class Meta:
        verbose_name = _("首次消费")
        verbose_name_plural = _("首次消费")
        constraints = [
            models.UniqueConstraint(fields=["merchant", "shopper"], name="analytics_first_unique")
        ]
        indexes = [models.Index(fields=["merchant", "day"], name="analytics_first_m_day")]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.shopper_id} {self.day}"


class DailyCoupons(models.Model):
    """One coupon template at one merchant on one local day: coupons issued that day (the
    merchant's own templates), and the paid orders at the merchant that used one (any
    template, the platform's included) with their discount, totals and later refunds."""

    day = models.DateField()
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    template = models.ForeignKey(
        "loyalty.CouponTemplate", on_delete=models.CASCADE, related_name="+"
    )
    issued = models.PositiveIntegerField(default=0)
    used = models.PositiveIntegerField(default=0)
    discount = MoneyField(default=0)
    gmv = MoneyField(default=0)
    refunded = MoneyField(default=0)

    class Meta:
        verbose_name = _("每日优惠券汇总")
        verbose_name_plural = _("每日优惠券汇总")
        ordering = ["day", "merchant_id", "template_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "day", "template"], name="analytics_coupons_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.template_id} {self.issued}/{self.used}"
