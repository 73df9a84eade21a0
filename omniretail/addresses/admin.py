"""Addresses are personal data the shopper keeps: the admin may look one up (support), not
edit it; shoppers change their own on 我的 → 收货地址."""

from django.contrib import admin

from omniretail.addresses.models import Address


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "district", "is_default", "updated_at"]
    search_fields = ["user__phone", "public_id"]
    readonly_fields = [f.name for f in Address._meta.fields]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
