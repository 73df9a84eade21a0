from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from omniretail.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    OneTimeCode,
    Organization,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "phone", "is_staff", "is_active", "date_joined"]
    search_fields = ["username", "display_name", "phone", "public_id"]
    readonly_fields = ["public_id"]
    inlines = [MembershipInline]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Omniretail", {"fields": ("public_id", "phone", "display_name")}),
    )


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "region", "is_active", "created_at"]
    list_filter = ["kind", "is_active", "region"]
    search_fields = ["name", "code", "public_id"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__username", "user__phone", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(admin.ModelAdmin):
    """Read-only: codes are hashed and only the SMS knows them."""

    list_display = ["phone", "created_at", "expires_at", "attempts", "used_at"]
    search_fields = ["phone"]
    readonly_fields = ["phone", "code_hash", "created_at", "expires_at", "attempts", "used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    readonly_fields = ["public_id", "prefix", "token_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent, accepted and revoked on the staff pages; here they are read."""

    list_display = ["public_id", "organization", "phone", "role", "created_at"]
    search_fields = ["phone", "organization__name"]
    readonly_fields = [f.name for f in Invitation._meta.fields]

    def has_add_permission(self, request):
        return False
