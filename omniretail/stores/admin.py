"""Stores in the admin: merchant staff with admin access see and change only their own
merchants' stores; platform operators see all."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import OrganizationScopedAdmin
from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.stores.models import OpeningException, OpeningHours, Store, StorePhoto


def _own_merchants(request):
    return organizations_of(request.user, kinds=[Organization.Kind.MERCHANT])


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class OpeningExceptionInline(admin.TabularInline):
    model = OpeningException
    extra = 0


class StorePhotoInline(admin.TabularInline):
    """Pictures are uploaded on 门店设置 (re-encoded by core.uploads); here only shown, ordered
    or removed."""

    model = StorePhoto
    extra = 0
    fields = ["name", "width", "height", "alt", "position"]
    readonly_fields = ["name", "width", "height"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Store)
class StoreAdmin(OrganizationScopedAdmin):
    organization_path = "merchant"
    list_display = [
        "name",
        "merchant",
        "city",
        "district",
        "phone",
        "rating",
        "rating_count",
        "is_active",
    ]
    list_filter = ["is_active", "city", "district", ("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "address", "main_products", "phone", "public_id", "merchant__name"]
    readonly_fields = ["public_id", "rating", "rating_count", "created_at", "updated_at"]
    list_select_related = ["merchant"]
    inlines = [OpeningHoursInline, OpeningExceptionInline, StorePhotoInline]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "merchant" and not is_platform_operator(request.user):
            kwargs["queryset"] = _own_merchants(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(OpeningException)
class OpeningExceptionAdmin(OrganizationScopedAdmin):
    organization_path = "store__merchant"
    list_display = ["store", "date", "is_closed", "opens", "closes", "note"]
    list_filter = ["is_closed", "date"]
    search_fields = ["store__name", "note"]
    list_select_related = ["store"]
    autocomplete_fields = ["store"]
