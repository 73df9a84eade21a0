"""Read-only admin: points move only through `services`, never by hand."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin
from omniretail.loyalty.models import (
    Conversion,
    Coupon,
    CouponTemplate,
    Draw,
    EarnRule,
    ExchangeRule,
    FaceEnrolment,
    JoiningReward,
    Lot,
    Member,
    MemberNote,
    MemberTag,
    OrderAward,
    SettlementLine,
    Spend,
    Statement,
    StepUp,
    Tier,
    TierChange,
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
    list_filter = ["kind", "is_active"]


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "template", "user", "status", "source", "valid_until", "order_id"]
    list_filter = ["status", "source"]
    search_fields = ["public_id", "order_id"]
    list_select_related = ["template", "user"]


@admin.register(Draw)
class DrawAdmin(ReadOnlyAdmin):
    list_display = ["id", "spend", "lot", "points"]
    search_fields = ["spend__public_id", "lot__public_id"]
    list_select_related = ["spend", "lot"]


@admin.register(SettlementLine)
class SettlementLineAdmin(ReadOnlyAdmin):
    list_display = ["issuer", "spender", "points", "posting", "created_at"]
    search_fields = ["issuer__name", "spender__name", "posting__public_id"]
    list_select_related = ["issuer", "spender", "posting"]


@admin.register(OrderAward)
class OrderAwardAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "user", "asset_code", "total", "points", "refunded", "clawed_back"]
    search_fields = ["order_id", "user__phone"]
    list_select_related = ["user"]


@admin.register(ExchangeRule)
class ExchangeRuleAdmin(ReadOnlyAdmin):
    list_display = ["org", "offline", "platform", "daily_limit", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["org__name"]


@admin.register(Conversion)
class ConversionAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "user", "org", "offline_points", "platform_points", "created_at"]
    search_fields = ["public_id", "user__phone", "org__name"]
    list_select_related = ["user", "org"]


@admin.register(StepUp)
class StepUpAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "user", "method", "expires_at", "used_at", "created_at"]
    list_filter = ["method"]
    search_fields = ["public_id", "user__phone"]


@admin.register(FaceEnrolment)
class FaceEnrolmentAdmin(ReadOnlyAdmin):
    """Consent and deletion only: the provider's template reference stays out of sight."""

    list_display = ["user", "provider", "consented_at", "deleted_at"]
    exclude = ["template_ref"]
    search_fields = ["user__phone"]


@admin.register(Tier)
class TierAdmin(ReadOnlyAdmin):
    list_display = ["org", "rank", "name", "min_spend", "min_visits", "discount_percent"]
    search_fields = ["org__name", "name"]


@admin.register(JoiningReward)
class JoiningRewardAdmin(ReadOnlyAdmin):
    list_display = ["org", "posting"]
    search_fields = ["org__name"]
    list_select_related = ["org", "posting"]


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdmin):
    list_display = ["member", "from_tier", "to_tier", "reason", "created_at"]
    list_select_related = ["member"]


@admin.register(MemberNote)
class MemberNoteAdmin(ReadOnlyAdmin):
    list_display = ["member", "author", "created_at"]
    list_select_related = ["member", "author"]


@admin.register(MemberTag)
class MemberTagAdmin(ReadOnlyAdmin):
    list_display = ["org", "name", "created_at"]
    search_fields = ["name"]
