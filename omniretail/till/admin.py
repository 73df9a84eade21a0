from django.contrib import admin

from omniretail.accounts.admin_scoping import ScopedReadOnlyAdmin
from omniretail.till.models import TillRefund, TillSale


@admin.register(TillSale)
class TillSaleAdmin(ScopedReadOnlyAdmin):
    """Till records are written by the till only."""

    organization_path = "store__merchant"
    list_display = ["order", "store", "staff", "payment", "tendered", "change", "created_at"]
    list_filter = ["payment"]


@admin.register(TillRefund)
class TillRefundAdmin(ScopedReadOnlyAdmin):
    """Refunds are made at the till only."""

    organization_path = "sale__store__merchant"
    list_display = ["public_id", "sale", "staff", "approved_by", "amount", "created_at"]
