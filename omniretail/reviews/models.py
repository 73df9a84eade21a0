from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from omniretail.accounts.models import Organization
from omniretail.catalog.models import Product, Sku
from omniretail.core.ids import PublicIdModel, TimeStampedModel
from omniretail.orders.models import OrderLine


class ProductReview(PublicIdModel, TimeStampedModel):
    """A shopper's rating of goods they received: one per completed order line, so every
    review is a verified purchase. An abusive one is hidden, never deleted: who hid it and
    when stay on the row. The table keeps the name it had in the catalogue."""

    product = models.ForeignKey(
        Product, verbose_name=_("商品"), on_delete=models.PROTECT, related_name="reviews"
    )
    sku = models.ForeignKey(Sku, verbose_name=_("SKU"), on_delete=models.PROTECT, related_name="+")
    order_line = models.OneToOneField(OrderLine, on_delete=models.PROTECT, related_name="review")
    merchant = models.ForeignKey(
        Organization, verbose_name=_("商家"), on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    rating = models.PositiveSmallIntegerField(_("评分"))
    text = models.CharField(_("评价内容"), max_length=500, blank=True)
    hidden_at = models.DateTimeField(_("隐藏时间"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("隐藏人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)
    # The selling merchant's one public answer, shown under the review; editable.
    reply = models.CharField(_("商家回复"), max_length=500, blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("回复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        db_table = "catalog_productreview"
        verbose_name = _("商品评价")
        verbose_name_plural = _("商品评价")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["product", "hidden_at", "created_at"], name="catalog_review_product"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="catalog_review_rating_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.product_id}"
