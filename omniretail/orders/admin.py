from django.contrib import admin

from omniretail.accounts.admin_scoping import ScopedReadOnlyAdmin
from omniretail.orders.models import (
    AfterSalesRequest,
    Cart,
    CartLine,
    Complaint,
    Delivery,
    Order,
    OrderEvent,
    OrderLine,
    PickupCode,
    RedemptionAttempt,
)


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = [
        "sku",
        "product_name",
        "sku_name",
        "unit_price",
        "quantity",
        "line_total",
        "quantity_returned",
    ]
    exclude = ["reservation"]


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "note", "actor", "created_at"]


class DeliveryInline(admin.StackedInline):
    model = Delivery
    extra = 0
    can_delete = False
    exclude = ["code"]  # the shopper's hand-over code stays on their order page
    readonly_fields = [
        "status",
        "rider",
        "distance_m",
        "photo",
        "promised_at",
        "accepted_at",
        "picked_up_at",
        "on_the_way_at",
        "delivered_at",
        "late_flagged_at",
    ]


@admin.register(Order)
class OrderAdmin(ScopedReadOnlyAdmin):
    """Read-only: orders change through the state machine in services, never by hand."""

    organization_path = "merchant"
    list_display = ["number", "status", "fulfilment", "merchant", "store", "total", "created_at"]
    list_filter = ["status", "fulfilment", "merchant"]
    search_fields = ["number", "public_id", "shopper__phone"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline, OrderEventInline, DeliveryInline]
    list_select_related = ["merchant", "store"]


@admin.register(PickupCode)
class PickupCodeAdmin(ScopedReadOnlyAdmin):
    organization_path = "order__merchant"
    list_display = ["order", "redeemed_at", "redeemed_by", "created_at"]
    exclude = ["code"]


@admin.register(RedemptionAttempt)
class RedemptionAttemptAdmin(ScopedReadOnlyAdmin):
    organization_path = "store__merchant"
    list_display = ["created_at", "code", "outcome", "staff", "store", "order"]
    list_filter = ["outcome"]


@admin.register(AfterSalesRequest)
class AfterSalesRequestAdmin(ScopedReadOnlyAdmin):
    organization_path = "order__merchant"
    list_display = ["order", "kind", "status", "amount", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(Complaint)
class ComplaintAdmin(ScopedReadOnlyAdmin):
    organization_path = "merchant"
    list_display = ["merchant", "shopper", "order", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["text"]


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["public_id", "user", "updated_at"]
    search_fields = ["public_id", "user__phone"]
    inlines = [CartLineInline]

    def has_module_permission(self, request):
        return request.user.is_superuser
