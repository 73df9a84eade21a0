from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin
from omniretail.terminals.models import Terminal, TerminalJob


@admin.register(Terminal)
class TerminalAdmin(ReadOnlyAdmin):
    list_display = ["name", "merchant", "key_id", "last_seen_at", "revoked_at"]
    search_fields = ["name", "key_id"]


@admin.register(TerminalJob)
class TerminalJobAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "terminal", "kind", "status", "amount", "intent_id"]
    list_filter = ["kind", "status"]
    search_fields = ["public_id", "intent_id", "refund_id", "terminal_reference"]
