"""Read-only admin, scoped to the user's merchants: goods are listed and redemptions move
only through the services (which reserve stock and post to the ledger)."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ScopedReadOnlyAdmin
from omniretail.pointsmall.models import PointsGood, Redemption


@admin.register(PointsGood)
class PointsGoodAdmin(ScopedReadOnlyAdmin):
    organization_path = "merchant"
    list_display = ["title", "merchant", "points_price", "cash_price", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["title", "sku__code"]
    list_select_related = ["merchant"]


@admin.register(Redemption)
class RedemptionAdmin(ScopedReadOnlyAdmin):
    organization_path = "good__merchant"
    list_display = ["public_id", "good", "member", "store", "points", "status", "expires_at"]
    list_filter = ["status"]
    search_fields = ["public_id", "member__phone"]
    list_select_related = ["good", "member", "store"]
