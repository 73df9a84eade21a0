"""A favourite is one row per shopper and product; a view (足迹) too, its time moved to the
latest visit by an upsert, so the history never holds a product twice."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Favourite(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("收藏")
        verbose_name_plural = _("收藏")
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="shopping_one_favourite")
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="shopping_favourites_mine")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.product_id}"


class ProductView(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("catalog.Product", on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("足迹")
        verbose_name_plural = _("足迹")
        constraints = [
            models.UniqueConstraint(fields=["user", "product"], name="shopping_one_view")
        ]
        indexes = [models.Index(fields=["user", "-viewed_at"], name="shopping_history_mine")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.product_id}"
