"""Read-only admin: points move only through `services`, never by hand."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin
from omniretail.loyalty.models import (
    Coupon,
    CouponTemplate,
    EarnRule,
    Lot,
    Member,
    Spend,
    Statement,
)


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "account", "points", "remaining", "expires_on", "source_org"]
    list_filter = ["expires_on"]
    search_fields = ["public_id", "account__owner_id"]
    list_select_related = ["account__asset", "source_org"]


@admin.register(Spend)
class SpendAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "kind", "account", "points", "spent_at_org", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["account__asset", "spent_at_org"]


@admin.register(EarnRule)
class EarnRuleAdmin(ReadOnlyAdmin):
    list_display = ["org", "kind", "product", "points", "target", "is_active"]
    list_filter = ["kind", "target", "is_active"]


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "org", "user", "tier", "activated_at"]
    list_filter = ["tier"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["org", "month", "net_points", "net_yuan", "digest"]


@admin.register(CouponTemplate)
class CouponTemplateAdmin(ReadOnlyAdmin):
    list_display = ["name", "org", "kind", "amount_off", "percent_off", "min_spend", "is_active"]
    list_filter = ["kind", "for_birthday", "is_active"]


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "template", "user", "status", "source", "valid_until", "order_id"]
    list_filter = ["status", "source"]
    search_fields = ["public_id", "order_id"]
    list_select_related = ["template", "user"]
