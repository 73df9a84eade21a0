"""The shopper's address book: several delivery addresses, one of them the default, each
with a position (latitude/longitude) so checkout can measure the distance to a store."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from omniretail.core.ids import PublicIdModel, TimeStampedModel

MAX_ADDRESSES = 20


class Address(PublicIdModel, TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    name = models.CharField(_("收货人"), max_length=40)
    phone = models.CharField(_("手机号"), max_length=11)
    district = models.CharField(_("区县"), max_length=40, blank=True)
    detail = models.CharField(_("详细地址"), max_length=200)
    lat = models.FloatField(_("纬度"))
    lon = models.FloatField(_("经度"))
    is_default = models.BooleanField(_("默认地址"), default=False)

    class Meta:
        verbose_name = _("收货地址")
        verbose_name_plural = _("收货地址")
        ordering = ["-is_default", "-updated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="one_default_address"
            ),
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="address_position_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.district}{self.detail}"

    @property
    def full_text(self) -> str:
        return f"{self.district}{self.detail}"

    def snapshot(self) -> dict:
        """What an order keeps of the address: later edits never change a placed order."""
        return {
            "name": self.name,
            "phone": self.phone,
            "address": self.full_text,
            "lat": self.lat,
            "lon": self.lon,
        }
