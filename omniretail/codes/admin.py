"""Read-only admin, scoped to the user's producers: batches and scans change only through
the services (generation, claims)."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ScopedReadOnlyAdmin
from omniretail.codes.models import CodeBatch, CodeScan, PackagingCode


@admin.register(CodeBatch)
class CodeBatchAdmin(ScopedReadOnlyAdmin):
    organization_path = "producer"
    list_display = ["public_id", "producer", "sku", "quantity", "generated", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["public_id", "sku__code", "sku__product__name"]
    list_select_related = ["producer", "sku"]


@admin.register(CodeScan)
class CodeScanAdmin(ScopedReadOnlyAdmin):
    organization_path = "code__batch__producer"
    list_display = ["created_at", "code", "user", "outcome", "points", "ip", "lat", "lon"]
    list_filter = ["outcome"]
    list_select_related = ["code", "user"]
    search_fields = ["user__phone"]


@admin.register(PackagingCode)
class PackagingCodeAdmin(ScopedReadOnlyAdmin):
    """The token is what the package prints: it stays in the print run, not on screen."""

    organization_path = "batch__producer"
    list_display = ["batch", "serial", "claimed_at", "claimed_by"]
    exclude = ["token"]
    search_fields = ["batch__public_id", "claimed_by__phone"]
    list_select_related = ["batch", "claimed_by"]
