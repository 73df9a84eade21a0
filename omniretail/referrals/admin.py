"""Read-only admin, scoped to the user's merchants: programme rules, rewards, debts and
payouts change only through the services (which validate and post to the ledger)."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin, ScopedReadOnlyAdmin
from omniretail.referrals.models import (
    Attribution,
    Debt,
    PayoutRequest,
    ProductRebateRate,
    ReferralProgramme,
    Reseller,
    ShareAward,
    ShareLink,
    ShareVisit,
)


class ProductRebateRateInline(admin.TabularInline):
    model = ProductRebateRate
    fields = ["product", "rate"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReferralProgramme)
class ReferralProgrammeAdmin(ScopedReadOnlyAdmin):
    organization_path = "merchant"
    list_display = [
        "merchant",
        "is_active",
        "rebate_rate",
        "rebate_form",
        "attribution_days",
        "reseller_threshold",
        "payout_minimum",
        "freeze_days",
    ]
    search_fields = ["merchant__name"]
    inlines = [ProductRebateRateInline]


@admin.register(Attribution)
class AttributionAdmin(ScopedReadOnlyAdmin):
    organization_path = "merchant"
    list_display = ["public_id", "kind", "status", "merchant", "product", "base", "rate", "amount"]
    list_filter = ["kind", "status", "form", "merchant"]
    search_fields = ["public_id", "order__number", "sharer__phone"]
    list_select_related = ["merchant", "product"]
    date_hierarchy = "created_at"


@admin.register(Reseller)
class ResellerAdmin(ScopedReadOnlyAdmin):
    organization_path = "merchant"
    list_display = ["public_id", "user", "merchant", "qualifying_product", "granted_at"]
    search_fields = ["public_id", "user__phone", "merchant__name"]
    list_select_related = ["user", "merchant", "qualifying_product"]


@admin.register(PayoutRequest)
class PayoutRequestAdmin(ScopedReadOnlyAdmin):
    organization_path = "reseller__merchant"
    list_display = ["public_id", "reseller", "amount", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["public_id", "reseller__user__phone"]


@admin.register(Debt)
class DebtAdmin(ScopedReadOnlyAdmin):
    organization_path = "attribution__merchant"
    list_display = ["public_id", "user", "amount", "recovered", "created_at"]
    search_fields = ["public_id", "user__phone"]


@admin.register(ShareLink)
class ShareLinkAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "sharer", "product", "created_at"]
    search_fields = ["public_id", "sharer__phone", "product__name"]
    list_select_related = ["sharer", "product"]


@admin.register(ShareVisit)
class ShareVisitAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "link", "visitor", "visited_at"]
    search_fields = ["public_id", "visitor__phone"]


@admin.register(ShareAward)
class ShareAwardAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "sharer", "product", "day", "points"]
    search_fields = ["public_id", "sharer__phone"]
