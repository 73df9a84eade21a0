"""Read-only admin, scoped to the user's organisations: offers, selections, purchase orders,
shares and statements change only through the services (which validate, move stock and
post to the ledger)."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin, ScopedReadOnlyAdmin
from omniretail.supply.models import (
    Allocation,
    JoiningReward,
    MerchantApplication,
    Offer,
    Placement,
    ProducerApplication,
    PurchaseOrder,
    PurchaseOrderLine,
    RegionalOffer,
    RoutingDecision,
    Shipment,
    ShipmentLine,
    SplitRule,
    Statement,
)


@admin.register(MerchantApplication)
class MerchantApplicationAdmin(ScopedReadOnlyAdmin):
    """Decided on /supply/review/merchants/, never here: approval opens the merchant."""

    organization_path = "organization"
    list_display = ["company_name", "credit_code", "status", "reviewed_at", "reward_granted_at"]
    list_filter = ["status"]
    search_fields = ["company_name", "credit_code"]


@admin.register(JoiningReward)
class JoiningRewardAdmin(ReadOnlyAdmin):
    list_display = ["points", "fee_waiver_days", "updated_by", "updated_at"]


@admin.register(ProducerApplication)
class ProducerApplicationAdmin(ScopedReadOnlyAdmin):
    organization_path = "organization"
    list_display = ["organization", "licence_number", "status", "reviewed_at"]
    list_filter = ["status"]


@admin.register(Offer)
class OfferAdmin(ScopedReadOnlyAdmin):
    organization_path = "producer"
    list_display = ["product", "sku", "wholesale_price", "wholesale_ceiling", "min_order_quantity"]
    search_fields = ["product__name", "sku__code"]


@admin.register(Placement)
class PlacementAdmin(ScopedReadOnlyAdmin):
    organization_path = "region"
    list_display = ["product", "region", "placed_by", "created_at"]
    list_select_related = ["product", "region", "placed_by"]


@admin.register(RegionalOffer)
class RegionalOfferAdmin(ScopedReadOnlyAdmin):
    organization_path = "region"
    list_display = ["region", "offer", "wholesale_price", "is_active"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ScopedReadOnlyAdmin):
    organization_path = "retailer"
    list_display = ["number", "retailer", "region", "store", "status", "total", "created_at"]
    list_filter = ["status"]
    search_fields = ["number"]


@admin.register(RoutingDecision)
class RoutingDecisionAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "store", "target", "rank", "distance_m", "created_at"]
    list_filter = ["target"]


@admin.register(SplitRule)
class SplitRuleAdmin(ReadOnlyAdmin):
    list_display = [
        "channel",
        "category",
        "producer_percent",
        "region_percent",
        "retailer_percent",
        "platform_percent",
    ]


@admin.register(Allocation)
class AllocationAdmin(ScopedReadOnlyAdmin):
    organization_path = "organization"
    list_display = ["source_number", "source_kind", "kind", "party", "organization", "amount_fen"]
    list_filter = ["source_kind", "kind", "party"]
    search_fields = ["source_number", "source_ref"]


@admin.register(Statement)
class StatementAdmin(ScopedReadOnlyAdmin):
    organization_path = "organization"
    list_display = ["organization", "period_start", "period_end", "total_fen", "status"]
    list_filter = ["status"]


@admin.register(PurchaseOrderLine)
class PurchaseOrderLineAdmin(ScopedReadOnlyAdmin):
    organization_path = "order__retailer"
    list_display = ["order", "sku", "producer", "unit_price", "quantity", "quantity_received"]
    search_fields = ["order__number", "sku__code"]
    list_select_related = ["order", "sku", "producer"]


@admin.register(Shipment)
class ShipmentAdmin(ScopedReadOnlyAdmin):
    organization_path = "order__retailer"
    list_display = ["public_id", "order", "status", "created_at", "received_at"]
    list_filter = ["status"]
    search_fields = ["public_id", "order__number"]


@admin.register(ShipmentLine)
class ShipmentLineAdmin(ScopedReadOnlyAdmin):
    organization_path = "shipment__order__retailer"
    list_display = ["shipment", "po_line", "quantity", "quantity_received", "discrepancy_note"]
    search_fields = ["shipment__public_id"]
