from django.contrib import admin

from omniretail.privacy.models import Consent


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    """The proof of consent: looked up, never edited."""

    list_display = ["user", "version", "accepted_at"]
    search_fields = ["user__public_id"]
    readonly_fields = ["user", "version", "accepted_at", "client_ip"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
