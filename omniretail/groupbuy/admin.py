"""Read-only admin, scoped to the user's merchants: campaigns, groups, seats and members change
only through the services (seats are taken by conditional updates, draws are committed and
verifiable, payments and refunds go through the payments domain)."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ScopedReadOnlyAdmin
from omniretail.groupbuy.models import Campaign, Group, Member, Seat


@admin.register(Campaign)
class CampaignAdmin(ScopedReadOnlyAdmin):
    organization_path = "merchant"
    list_display = ["title", "merchant", "store", "sku", "group_price", "status", "ends_at"]
    list_filter = ["status"]
    search_fields = ["public_id", "title"]
    list_select_related = ["merchant", "store", "sku"]


@admin.register(Group)
class GroupAdmin(ScopedReadOnlyAdmin):
    organization_path = "campaign__merchant"
    list_display = ["public_id", "campaign", "number", "size", "paid_count", "status"]
    list_filter = ["status"]
    search_fields = ["public_id", "campaign__title"]
    list_select_related = ["campaign"]


@admin.register(Seat)
class SeatAdmin(ScopedReadOnlyAdmin):
    organization_path = "campaign__merchant"
    list_display = ["campaign", "group", "number", "taken"]
    list_filter = ["taken"]
    search_fields = ["campaign__title"]
    list_select_related = ["campaign", "group"]


@admin.register(Member)
class MemberAdmin(ScopedReadOnlyAdmin):
    organization_path = "campaign__merchant"
    list_display = ["public_id", "campaign", "group", "shopper", "status", "amount", "paid_at"]
    list_filter = ["status"]
    search_fields = ["public_id", "shopper__phone", "intent_id"]
    list_select_related = ["campaign", "group", "shopper"]
