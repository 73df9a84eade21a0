"""Stores in the admin: merchant staff with admin access see and change only their own
merchants' stores; platform operators see all."""

from django.contrib import admin

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.stores.models import OpeningException, OpeningHours, Store


def _own_merchants(request):
    return organizations_of(request.user, kinds=[Organization.Kind.MERCHANT])


def _sees_all(request) -> bool:
    return is_platform_operator(request.user)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class OpeningExceptionInline(admin.TabularInline):
    model = OpeningException
    extra = 0


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["name", "merchant", "city", "district", "phone", "rating", "is_active"]
    list_filter = ["is_active", "city", "district", ("merchant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "address", "main_products", "phone", "public_id", "merchant__name"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    list_select_related = ["merchant"]
    inlines = [OpeningHoursInline, OpeningExceptionInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if _sees_all(request) else qs.filter(merchant__in=_own_merchants(request))

    def _in_scope(self, request, obj) -> bool:
        return (
            obj is None
            or _sees_all(request)
            or _own_merchants(request).filter(pk=obj.merchant_id).exists()
        )

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "merchant" and not _sees_all(request):
            kwargs["queryset"] = _own_merchants(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(OpeningException)
class OpeningExceptionAdmin(admin.ModelAdmin):
    list_display = ["store", "date", "is_closed", "opens", "closes", "note"]
    list_filter = ["is_closed", "date"]
    search_fields = ["store__name", "note"]
    list_select_related = ["store"]
    autocomplete_fields = ["store"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if _sees_all(request) else qs.filter(store__merchant__in=_own_merchants(request))
