"""Physical stores: where they are (a plain latitude/longitude pair, indexed together for the
bounding-box prefilter of the nearby search), what they sell, and when they are open.

Opening hours are local wall-clock times (settings.TIME_ZONE). An interval whose closing
time is not after its opening time runs past midnight; 00:00-00:00 is open all day."""

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.accounts.models import Organization
from omniretail.core.geo import cell_of
from omniretail.core.ids import PublicIdModel, TimeStampedModel


def default_delivery_fees() -> list[dict]:
    return [{"up_to_m": 3000, "fee": "6.00"}, {"up_to_m": 5000, "fee": "9.00"}]


class StoreManager(models.Manager):
    def bulk_create(self, objs, *args, **kwargs):
        """Many stores at once (imports, benchmarks) get their grid cell as `save` gives it."""
        objs = list(objs)
        for store in objs:
            store.cell = cell_of(store.lat, store.lon)
        return super().bulk_create(objs, *args, **kwargs)


class Store(PublicIdModel, TimeStampedModel):
    merchant = models.ForeignKey(
        Organization,
        verbose_name=_("商家"),
        on_delete=models.PROTECT,
        related_name="stores",
        limit_choices_to={"kind": Organization.Kind.MERCHANT},
    )
    name = models.CharField(_("门店名称"), max_length=120)
    address = models.CharField(_("地址"), max_length=255)
    city = models.CharField(_("城市"), max_length=60, blank=True)
    district = models.CharField(_("区县"), max_length=60, blank=True)
    lat = models.FloatField(_("纬度"))
    lon = models.FloatField(_("经度"))
    cell = models.BigIntegerField(editable=False)  # core.geo.cell_of(lat, lon), indexed below
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    main_products = models.TextField(_("主营商品"), blank=True)
    description = models.TextField(_("简介"), blank=True)
    # The average of the visible reviews of goods ordered here, kept by reviews.services.
    rating = models.DecimalField(_("评分"), max_digits=2, decimal_places=1, default=Decimal("0.0"))
    rating_count = models.PositiveIntegerField(_("评价数"), default=0)
    is_active = models.BooleanField(_("营业中"), default=True)
    # Same-city delivery (orders.delivery): how far the store delivers, and the fee by
    # distance: [{"up_to_m": 3000, "fee": "6.00"}, ...] ascending, the last up to the radius.
    delivery_radius_m = models.PositiveIntegerField(_("配送半径（米）"), default=5000)
    delivery_fees = models.JSONField(_("配送费阶梯"), default=default_delivery_fees, blank=True)

    objects = StoreManager()

    class Meta:
        verbose_name = _("门店")
        verbose_name_plural = _("门店")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["lat", "lon"], name="store_lat_lon_idx"),
            # The nearby search reads its candidates from this index alone (every column it
            # filters and orders on, and the id it returns), never from the table's rows:
            # docs/operations.md.
            models.Index(
                fields=["cell", "lat", "lon", "is_active", "merchant", "id"],
                name="store_nearby_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(lat__gte=-90, lat__lte=90), name="store_lat_range"),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180), name="store_lon_range"
            ),
            models.CheckConstraint(
                condition=Q(rating__gte=0, rating__lte=5), name="store_rating_range"
            ),
        ]

    def save(self, *args, update_fields=None, **kwargs):
        """The grid cell follows the position, whoever saves it (services, the admin)."""
        self.cell = cell_of(self.lat, self.lon)
        if update_fields is not None and {"lat", "lon"} & set(update_fields):
            update_fields = {*update_fields, "cell"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    """One opening interval on a weekday; several per day are allowed (a lunch break)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("周一")
        TUESDAY = 1, _("周二")
        WEDNESDAY = 2, _("周三")
        THURSDAY = 3, _("周四")
        FRIDAY = 4, _("周五")
        SATURDAY = 5, _("周六")
        SUNDAY = 6, _("周日")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    opens = models.TimeField(_("开门"))
    closes = models.TimeField(_("关门"), help_text=_("不晚于开门时间表示营业至次日。"))

    class Meta:
        verbose_name = _("营业时间")
        verbose_name_plural = _("营业时间")
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.closes <= self.opens


class OpeningException(models.Model):
    """A date that departs from the weekly hours: closed all day, or special hours."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("日期"))
    is_closed = models.BooleanField(_("全天闭店"), default=True)
    opens = models.TimeField(_("开门"), null=True, blank=True)
    closes = models.TimeField(_("关门"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("特殊营业日")
        verbose_name_plural = _("特殊营业日")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["store", "date"], name="one_exception_per_store_day"),
            models.CheckConstraint(
                condition=Q(is_closed=True) | Q(opens__isnull=False, closes__isnull=False),
                name="exception_open_has_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.store} {self.date}"


class StorePhoto(models.Model):
    """A picture of the store (front, shelves, counter) from core.uploads: a content-hash
    name with WebP copies; the store page shows them in `position` order."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="photos")
    name = models.CharField(_("存储名"), max_length=120)
    width = models.PositiveIntegerField(_("宽度"))
    height = models.PositiveIntegerField(_("高度"))
    alt = models.CharField(_("替代文字"), max_length=200, blank=True)
    position = models.IntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("门店照片")
        verbose_name_plural = _("门店照片")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.store} #{self.position}"
