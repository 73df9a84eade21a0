"""Read-only admin: specials, halls and featured slots are written through the services
(which check the window, the price and who may curate); the ranking is computed."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin, ScopedReadOnlyAdmin
from omniretail.merchandising.models import BrandHall, FeaturedSlot, SalesRank, Special


@admin.register(Special)
class SpecialAdmin(ScopedReadOnlyAdmin):
    organization_path = "sku__product__owner"
    list_display = ["sku", "price", "starts_at", "ends_at", "stock_cap", "per_member_limit"]
    search_fields = ["sku__code", "sku__product__name"]
    list_select_related = ["sku"]


@admin.register(BrandHall)
class BrandHallAdmin(ScopedReadOnlyAdmin):
    organization_path = "brand__producer"
    list_display = ["brand", "tagline", "position", "is_published"]
    list_select_related = ["brand"]


@admin.register(FeaturedSlot)
class FeaturedSlotAdmin(ScopedReadOnlyAdmin):
    organization_path = "curator"
    list_display = ["product", "curator", "position", "starts_at", "ends_at"]
    list_select_related = ["product", "curator"]


@admin.register(SalesRank)
class SalesRankAdmin(ReadOnlyAdmin):
    list_display = ["days", "category", "region", "rank", "product", "units", "amount"]
    list_filter = ["days"]
    list_select_related = ["category", "region", "product"]
