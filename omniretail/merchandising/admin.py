"""Read-only admin: specials, halls, featured slots and banners are written through the
services (which check the window, the price, the link and who may curate); the ranking and
the co-purchase pairs are computed."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin, ScopedReadOnlyAdmin
from omniretail.merchandising.models import (
    Banner,
    BrandHall,
    CoPurchase,
    FeaturedSlot,
    HallGoods,
    HallPicture,
    Promotion,
    SalesRank,
    SampleClaim,
    SampleOffer,
    Special,
)


@admin.register(Special)
class SpecialAdmin(ScopedReadOnlyAdmin):
    organization_path = "sku__product__owner"
    list_display = ["sku", "price", "starts_at", "ends_at", "stock_cap", "per_member_limit"]
    search_fields = ["sku__code", "sku__product__name"]
    list_select_related = ["sku"]


@admin.register(SampleOffer)
class SampleOfferAdmin(ScopedReadOnlyAdmin):
    organization_path = "sku__product__owner"
    list_display = ["sku", "stock", "remaining", "per_member_limit", "starts_at", "ends_at"]
    search_fields = ["sku__code", "sku__product__name", "public_id"]
    list_select_related = ["sku"]


@admin.register(Promotion)
class PromotionAdmin(ScopedReadOnlyAdmin):
    organization_path = "store__merchant"
    list_display = ["title", "store", "kind", "starts_at", "ends_at"]
    list_filter = ["kind"]
    search_fields = ["title", "store__name", "public_id"]
    list_select_related = ["store"]


@admin.register(SampleClaim)
class SampleClaimAdmin(ScopedReadOnlyAdmin):
    organization_path = "offer__sku__product__owner"
    list_display = ["offer", "order", "created_at"]
    list_select_related = ["offer", "order"]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class HallPictureInline(_ReadOnlyInline):
    model = HallPicture
    fields = ["kind", "name", "width", "height"]


class HallGoodsInline(_ReadOnlyInline):
    model = HallGoods
    fields = ["position", "product"]


@admin.register(BrandHall)
class BrandHallAdmin(ScopedReadOnlyAdmin):
    organization_path = "brand__producer"
    list_display = ["brand", "tagline", "position", "is_published"]
    list_select_related = ["brand"]
    inlines = [HallPictureInline, HallGoodsInline]


@admin.register(Banner)
class BannerAdmin(ReadOnlyAdmin):
    list_display = ["title", "link", "region", "position", "starts_at", "ends_at"]
    list_select_related = ["region"]


@admin.register(CoPurchase)
class CoPurchaseAdmin(ReadOnlyAdmin):
    list_display = ["product", "other", "orders", "computed_at"]
    list_select_related = ["product", "other"]


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
