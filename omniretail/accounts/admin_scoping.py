"""Admin base classes every domain uses, so that the admin site keeps the same scoping rule
as the selectors: staff of a producer or merchant see only their organisations' rows, and
rows that change only through services are read-only here."""

from django.contrib import admin

from omniretail.accounts.selectors import is_platform_operator, organizations_of


class ReadOnlyAdmin(admin.ModelAdmin):
    """For ledgers, payments and journals: look, search and audit, never edit by hand."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OrganizationScopedAdmin(admin.ModelAdmin):
    """Rows are visible and changeable only within the user's organisations; another
    organisation's row is as good as absent (its change page redirects away)."""

    organization_path = "owner"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_platform_operator(request.user):
            return qs
        return qs.filter(**{f"{self.organization_path}__in": organizations_of(request.user)})

    def _in_scope(self, request, obj) -> bool:
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)


class ScopedReadOnlyAdmin(OrganizationScopedAdmin, ReadOnlyAdmin):
    """Scoped to the user's organisations and read-only (stock journals, orders)."""
