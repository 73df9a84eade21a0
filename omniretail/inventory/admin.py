from django.contrib import admin

from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.inventory.models import (
    Reservation,
    StockLevel,
    StockLocation,
    StockMovement,
    Transfer,
)


class ScopedToOrganization(admin.ModelAdmin):
    """Non-platform staff see only their organisations' rows; changes go through services."""

    organization_path = "location__organization"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_platform_operator(request.user):
            return qs
        return qs.filter(**{f"{self.organization_path}__in": organizations_of(request.user)})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StockLocation)
class StockLocationAdmin(ScopedToOrganization):
    organization_path = "organization"
    list_display = ["name", "kind", "organization", "store", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "public_id", "organization__name"]


@admin.register(StockLevel)
class StockLevelAdmin(ScopedToOrganization):
    list_display = ["sku", "location", "on_hand", "reserved", "low_stock_threshold", "updated_at"]
    list_filter = ["location__kind", "location"]
    search_fields = ["sku__code", "sku__product__name", "location__name"]
    list_select_related = ["sku", "location"]


@admin.register(StockMovement)
class StockMovementAdmin(ScopedToOrganization):
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
class ReservationAdmin(ScopedToOrganization):
    list_display = ["public_id", "sku", "location", "quantity", "status", "reference", "expires_at"]
    list_filter = ["status"]
    search_fields = ["reference", "public_id"]


@admin.register(Transfer)
class TransferAdmin(ScopedToOrganization):
    organization_path = "source__organization"
    list_display = ["public_id", "sku", "source", "destination", "quantity", "actor", "created_at"]
    search_fields = ["public_id", "sku__code"]
