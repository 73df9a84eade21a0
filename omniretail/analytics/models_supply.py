"""The producer and region dashboards' daily roll-up (docs/analytics.md, "生产商与运营中心"):
one row per day, producer, region, retailer and SKU of the P2R channel, rewritten whole by
rollup_supply.rollup_supply_day, so the pages never read shipments, orders or reviews."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.core.money import MoneyField


class DailySupply(models.Model):
    """A producer's SKU at one retailer on one day. Stock in: `units_shipped` left the region
    for the retailer that day, `units_received` the retailer counted in that day (its stock
    in). Sales (the sales roll-up's convention): `units_sold`/`gmv` of the retailer's orders
    paid that day, `units_returned`/`refunded` what was later returned of them (lowers the
    day of the sale). Reviews written that day and still shown: their count, ratings' sum and
    how many rated 1 or 2 stars. `region` is the purchase order's for stock in, else the
    retailer's operation centre."""

    day = models.DateField()
    producer = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    retailer = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    units_shipped = models.PositiveIntegerField(default=0)
    units_received = models.PositiveIntegerField(default=0)
    units_sold = models.PositiveIntegerField(default=0)
    units_returned = models.PositiveIntegerField(default=0)
    gmv = MoneyField(default=0)
    refunded = MoneyField(default=0)
    reviews = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    low_ratings = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("每日供应链汇总")
        verbose_name_plural = _("每日供应链汇总")
        ordering = ["day", "producer_id", "region_id", "retailer_id", "sku_id"]
        indexes = [
            models.Index(fields=["producer", "day"], name="analytics_supply_p_day"),
            models.Index(fields=["region", "day"], name="analytics_supply_r_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "producer", "region", "retailer", "sku"],
                name="analytics_supply_day_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.sku_id}@{self.retailer_id} ×{self.units_sold}"
