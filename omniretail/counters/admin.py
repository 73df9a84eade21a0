"""Read-only admin, scoped to the user's merchants: counters, vends, commands and tasks
change only through the services (credentials are hashed, commands signed, stock moved by
the inventory services)."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ScopedReadOnlyAdmin
from omniretail.counters.models import (
    AdCampaign,
    Bay,
    Command,
    Counter,
    Credential,
    DeviceEvent,
    FlagClearance,
    RepairStep,
    RepairTicket,
    ScanLead,
    Snapshot,
    StaffTask,
    TestRide,
    Vend,
)


@admin.register(Counter)
class CounterAdmin(ScopedReadOnlyAdmin):
    organization_path = "merchant"
    list_display = ["code", "name", "site_name", "store", "status", "last_seen_at", "flagged_at"]
    list_filter = ["status"]
    search_fields = ["code", "name", "site_name"]


@admin.register(Vend)
class VendAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["public_id", "counter", "bay", "quantity", "status", "taken", "refunded"]
    list_filter = ["status"]


@admin.register(Command)
class CommandAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["public_id", "counter", "kind", "status", "created_at", "acked_at", "result"]
    list_filter = ["kind", "status"]


@admin.register(DeviceEvent)
class DeviceEventAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["counter", "seq", "kind", "received_at"]
    list_filter = ["kind"]


@admin.register(Snapshot)
class SnapshotAdmin(ScopedReadOnlyAdmin):
    """The rows only: the images are seen on the counter's ops page, where access is checked."""

    organization_path = "counter__merchant"
    list_display = ["public_id", "counter", "event", "vend", "ticket", "taken_at", "created_at"]


@admin.register(StaffTask)
class StaffTaskAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["counter", "kind", "status", "note", "created_at"]
    list_filter = ["kind", "status"]


@admin.register(ScanLead)
class ScanLeadAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["counter", "product", "user", "status", "scanned_at"]
    list_filter = ["status"]


@admin.register(Bay)
class BayAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["counter", "number", "sku", "par_level", "capacity"]
    search_fields = ["counter__code", "sku__code"]
    list_select_related = ["counter", "sku"]


@admin.register(Credential)
class CredentialAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["key_id", "counter", "created_at", "expires_at", "revoked_at"]
    exclude = ["secret_hash"]
    search_fields = ["key_id", "counter__code"]


@admin.register(FlagClearance)
class FlagClearanceAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["counter", "flag_reason", "reason", "cleared_by", "cleared_at"]
    search_fields = ["counter__code"]
    list_select_related = ["counter", "cleared_by"]


@admin.register(RepairTicket)
class RepairTicketAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["public_id", "counter", "store", "vehicle_serial", "plate", "step"]
    list_filter = ["step"]
    search_fields = ["public_id", "vehicle_serial", "plate", "shopper__phone"]
    list_select_related = ["counter", "store"]


@admin.register(RepairStep)
class RepairStepAdmin(ScopedReadOnlyAdmin):
    organization_path = "ticket__counter__merchant"
    list_display = ["ticket", "step", "note", "actor", "at"]
    list_filter = ["step"]
    search_fields = ["ticket__public_id"]


@admin.register(TestRide)
class TestRideAdmin(ScopedReadOnlyAdmin):
    organization_path = "counter__merchant"
    list_display = ["public_id", "counter", "store", "product", "starts_at", "status"]
    list_filter = ["status"]
    search_fields = ["public_id", "contact_name", "contact_phone"]
    list_select_related = ["counter", "store", "product"]


@admin.register(AdCampaign)
class AdCampaignAdmin(admin.ModelAdmin):
    """Campaigns are made and ended on the ops page (`/ops/counter-ads/`); here they are read."""

    list_display = ["public_id", "merchant", "name", "starts_at", "ends_at", "impressions"]
    search_fields = ["name"]
    readonly_fields = [f.name for f in AdCampaign._meta.fields]

    def has_add_permission(self, request):
        return False
