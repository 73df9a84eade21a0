from django.contrib import admin

from omniretail.accounts.admin_scoping import ScopedReadOnlyAdmin
from omniretail.reviews.models import ProductReview


@admin.register(ProductReview)
class ProductReviewAdmin(ScopedReadOnlyAdmin):
    """Reviews are written by shoppers and hidden by the merchant, never edited here."""

    organization_path = "merchant"
    list_display = ["product", "rating", "author", "merchant", "hidden_at", "created_at"]
    list_filter = ["rating"]
    search_fields = ["text", "product__name"]
