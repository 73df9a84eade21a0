"""The platform's economics roll-ups (docs/analytics.md, "Platform economics"): points
programmes, settlement between organisations, group buys and referrals, one row per local
day (and merchant where it applies), rewritten whole by rollup_platform.rollup_day."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.core.money import MoneyField


class DailyPoints(models.Model):
    """One points programme (a ledger asset: the platform's points or one merchant's offline
    points) on one local day: what members' wallets received and gave up, by cause. `net` is
    the day's change of all members' balances (every cause, transfers such as merges
    included), so the sum of `net` up to a day is what members held at its end."""

    day = models.DateField()
    asset = models.ForeignKey("ledger.Asset", on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    issued = models.BigIntegerField(default=0)
    converted_in = models.BigIntegerField(default=0)
    returned = models.BigIntegerField(default=0)
    redeemed = models.BigIntegerField(default=0)
    expired = models.BigIntegerField(default=0)
    converted_out = models.BigIntegerField(default=0)
    clawed_back = models.BigIntegerField(default=0)
    net = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("每日积分汇总")
        verbose_name_plural = _("每日积分汇总")
        ordering = ["day", "asset_id"]
        constraints = [
            models.UniqueConstraint(fields=["day", "asset"], name="analytics_points_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.asset_id} {self.net:+d}"


class DailySettlement(models.Model):
    """What one organisation is owed and owes on one local day. With a `counterparty`:
    platform points issued by one merchant and spent at the other (loyalty's settlement
    lines, refunds negated): `receivable_points` the counterparty's points spent here,
    `payable_points` this merchant's points spent there. Without: its channel profit shares
    (supply's allocations, in fen) credited, reversed by refunds and paid out that day."""

    day = models.DateField()
    org = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    counterparty = models.ForeignKey(
        "accounts.Organization",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    receivable_points = models.BigIntegerField(default=0)
    payable_points = models.BigIntegerField(default=0)
    shares_fen = models.BigIntegerField(default=0)
    reversed_fen = models.BigIntegerField(default=0)
    paid_out_fen = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("每日结算汇总")
        verbose_name_plural = _("每日结算汇总")
        ordering = ["day", "org_id", "counterparty_id"]
        indexes = [
            models.Index(fields=["day"], name="analytics_settle_day"),
            models.Index(fields=["org", "day"], name="analytics_settle_org_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.org_id}/{self.counterparty_id}"


class DailyGroupBuy(models.Model):
    """One group-buy campaign on one local day, each event on the day it happened: joins,
    seats paid and refunded, groups drawn and their winners, winners' vouchers redeemed in
    store, and the consolation given to the others (points, coupons and the coupons' face
    value where it is a fixed amount)."""

    day = models.DateField()
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    campaign = models.ForeignKey("groupbuy.Campaign", on_delete=models.CASCADE, related_name="+")
    joins = models.PositiveIntegerField(default=0)
    paid = models.PositiveIntegerField(default=0)
    paid_amount = MoneyField(default=0)
    refunds = models.PositiveIntegerField(default=0)
    refunded_amount = MoneyField(default=0)
    groups_drawn = models.PositiveIntegerField(default=0)
    winners = models.PositiveIntegerField(default=0)
    redeemed = models.PositiveIntegerField(default=0)
    consolation_points = models.BigIntegerField(default=0)
    consolation_coupons = models.PositiveIntegerField(default=0)
    coupon_value = MoneyField(default=0)

    class Meta:
        verbose_name = _("每日拼团汇总")
        verbose_name_plural = _("每日拼团汇总")
        ordering = ["day", "campaign_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "campaign"], name="analytics_groupbuy_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.campaign_id}"


class DailyReferral(models.Model):
    """One merchant's referrals on one local day. The sales (orders, `gmv` their base, what
    refunds took back of it, the rewards credited on them, clawed back and the attributions
    cancelled) count on the day of the sale, like sales; clicks, share points and approved
    commission payouts on their own day."""

    day = models.DateField()
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    orders = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)
    refunded = MoneyField(default=0)
    commission = MoneyField(default=0)
    rebates = MoneyField(default=0)
    rebate_points = models.BigIntegerField(default=0)
    clawed_back = MoneyField(default=0)
    reversed = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    share_points = models.BigIntegerField(default=0)
    payouts = MoneyField(default=0)

    class Meta:
        verbose_name = _("每日推荐汇总")
        verbose_name_plural = _("每日推荐汇总")
        ordering = ["day", "merchant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "merchant"], name="analytics_referral_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.merchant_id}"
