from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    """Product reviews: one per completed order line, so above orders (it was in the catalogue,
    which had to reach the order line without importing orders)."""

    name = "omniretail.reviews"
    label = "reviews"
    verbose_name = _("商品评价")
