"""Read-only admin: ledger history is changed only by `services.post`, never by hand."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin
from omniretail.ledger.models import Account, Asset, Entry, Posting


@admin.register(Asset)
class AssetAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "kind", "decimal_places", "created_at"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount", "balance_after", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "asset", "owner_type", "owner_id", "kind", "balance"]
    list_filter = ["asset", "kind", "owner_type", "allow_negative"]
    search_fields = ["public_id", "owner_id"]
    list_select_related = ["asset"]


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "kind", "asset", "amount", "debit", "credit", "created_at"]
    list_filter = ["asset", "kind"]
    search_fields = ["public_id", "idempotency_key", "reference"]
    list_select_related = ["asset", "debit__asset", "credit__asset"]
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "amount", "balance_after", "posting", "created_at"]
    list_filter = ["account__asset"]
    search_fields = ["account__public_id", "posting__public_id"]
    list_select_related = ["account__asset", "posting__asset"]
