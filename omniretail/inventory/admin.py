from django.contrib import admin

from omniretail.accounts.admin_scoping import ScopedReadOnlyAdmin
from omniretail.inventory.models import (
    Reservation,
    StockLevel,
    StockLocation,
    StockMovement,
    Transfer,
)


@admin.register(StockLocation)
class StockLocationAdmin(ScopedReadOnlyAdmin):
    organization_path = "organization"
    list_display = ["name", "kind", "organization", "store", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "public_id", "organization__name"]


@admin.register(StockLevel)
class StockLevelAdmin(ScopedReadOnlyAdmin):
    organization_path = "location__organization"
    list_display = ["sku", "location", "on_hand", "reserved", "low_stock_threshold", "updated_at"]
    list_filter = ["location__kind", "location"]
    search_fields = ["sku__code", "sku__product__name", "location__name"]
    list_select_related = ["sku", "location"]


@admin.register(StockMovement)
class StockMovementAdmin(ScopedReadOnlyAdmin):
    organization_path = "location__organization"
    list_display = [
        "created_at",
        "kind",
        "sku",
        "location",
        "on_hand_delta",
        "reserved_delta",
        "reason",
        "reference",
    ]
    list_filter = ["kind", "location"]
    search_fields = ["sku__code", "reference", "reason"]
    list_select_related = ["sku", "location"]


@admin.register(Reservation)
class ReservationAdmin(ScopedReadOnlyAdmin):
    organization_path = "location__organization"
    list_display = ["public_id", "sku", "location", "quantity", "status", "reference", "expires_at"]
    list_filter = ["status"]
    search_fields = ["reference", "public_id"]


@admin.register(Transfer)
class TransferAdmin(ScopedReadOnlyAdmin):
    organization_path = "source__organization"
    list_display = ["public_id", "sku", "source", "destination", "quantity", "actor", "created_at"]
    search_fields = ["public_id", "sku__code"]
