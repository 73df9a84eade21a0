"""Daily roll-ups the reports read (docs/analytics.md): a day is rewritten whole by
services.rollup_day, so a page never scans raw orders."""

from django.db import models
from django.utils.translation import gettext_lazy as _

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


class DailyPlatform(models.Model):
    """The platform on one day: members who joined and distinct buyers."""

    day = models.DateField(unique=True)
    new_members = models.PositiveIntegerField(default=0)
    buyers = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return str(self.day)


class RollupMark(models.Model):
    """Up to when changes have been rolled up: the job's next run looks from here."""

    name = models.CharField(max_length=40, unique=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.until}"
