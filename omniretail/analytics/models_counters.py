"""Counters' daily roll-ups (docs/analytics.md, "Counters"): written whole per local day by
rollup_counters.rollup_day, read by report_counters. A scan, a lead and a vend belong to the
day they started (a vend started on Monday and refunded on Tuesday lowers Monday)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.core.money import MoneyField


class _Funnel(models.Model):
    """The scan -> pay -> vend figures shared by a counter's day and its products' days."""

    scans = models.PositiveIntegerField(default=0)
    scanners = models.PositiveIntegerField(default=0)  # distinct member, else browser session
    leads = models.PositiveIntegerField(default=0)  # scans by a known member
    conversions = models.PositiveIntegerField(default=0)  # of those, converted by a paid order
    started = models.PositiveIntegerField(default=0)  # vends started (an order to pay)
    paid = models.PositiveIntegerField(default=0)
    vended = models.PositiveIntegerField(default=0)  # completed: something was taken
    failed = models.PositiveIntegerField(default=0)  # paid, nothing taken, refunded in full
    refund_count = models.PositiveIntegerField(default=0)  # vends with any refund
    refunded = MoneyField(default=0)
    units = models.PositiveIntegerField(default=0)  # units taken
    sales = MoneyField(default=0)  # completed vends' totals less what was refunded of them

    class Meta:
        abstract = True


class DailyCounter(_Funnel):
    """One counter on one local day: its funnel, its faults, and its uptime in minutes
    (`up_minutes` of `minutes` in scope: heard from and not in a reported fault)."""

    day = models.DateField()
    counter = models.ForeignKey("counters.Counter", on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    store = models.ForeignKey("stores.Store", on_delete=models.CASCADE, related_name="+")
    faults = models.PositiveIntegerField(default=0)
    tampers = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)
    heard_minutes = models.PositiveIntegerField(default=0)
    fault_minutes = models.PositiveIntegerField(default=0)
    up_minutes = models.PositiveIntegerField(default=0)
    repairs_booked = models.PositiveIntegerField(default=0)
    repair_drop_offs = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("售货柜每日汇总")
        verbose_name_plural = _("售货柜每日汇总")
        ordering = ["day", "counter_id"]
        indexes = [models.Index(fields=["merchant", "day"], name="analytics_counter_m_day")]
        constraints = [
            models.UniqueConstraint(fields=["day", "counter"], name="analytics_counter_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.counter_id}"


class DailyCounterProduct(_Funnel):
    """One product at one counter on one local day (scans of no product: `product` None);
    `producer` is the product's owner, for the producer's funnel."""

    day = models.DateField(db_index=True)
    counter = models.ForeignKey("counters.Counter", on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    producer = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    product_name = models.CharField(max_length=120, blank=True)
    region = models.CharField(max_length=60, blank=True)  # the serving store's city

    class Meta:
        verbose_name = _("售货柜商品每日汇总")
        verbose_name_plural = _("售货柜商品每日汇总")
        ordering = ["day", "counter_id", "product_id"]
        indexes = [
            models.Index(fields=["merchant", "day"], name="analytics_ctrprod_m_day"),
            models.Index(fields=["producer", "day"], name="analytics_ctrprod_p_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.counter_id} {self.product_name}"


class DailyCounterFault(models.Model):
    """Faults and tamper alarms one counter reported on one local day, by kind and the
    reason the device gave."""

    day = models.DateField()
    counter = models.ForeignKey("counters.Counter", on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16)  # counters.DeviceEvent.Kind: fault or tamper
    reason = models.CharField(max_length=60, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("售货柜每日故障")
        verbose_name_plural = _("售货柜每日故障")
        ordering = ["day", "counter_id", "kind", "reason"]
        indexes = [models.Index(fields=["merchant", "day"], name="analytics_ctrfault_m_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.counter_id} {self.kind} ×{self.count}"
