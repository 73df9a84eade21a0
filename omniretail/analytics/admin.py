"""The roll-ups and member scores, to look at: they are rebuilt by the jobs from orders and
refunds, never edited by hand; campaigns are sent from the merchant's segments page."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin
from omniretail.analytics.models import (
    BirthdayCampaign,
    BirthdayGift,
    DailyPlatform,
    DailyProductSales,
    DailySales,
    HourlySales,
    MarketingOptOut,
    MemberMerge,
    MemberScore,
    PointsCampaign,
    PointsRecipient,
    QualityCount,
    RollupMark,
    RuleSegment,
    SegmentCampaign,
    SmsCampaign,
    SmsRecipient,
    VerifiedIdentity,
)
from omniretail.analytics.models_counters import (
    DailyCounter,
    DailyCounterFault,
    DailyCounterProduct,
)
from omniretail.analytics.models_marketing import (
    DailyBuyer,
    DailyCoupons,
    DailyMarketing,
    FirstPurchase,
)
from omniretail.analytics.models_platform import (
    DailyGroupBuy,
    DailyPoints,
    DailyReferral,
    DailySettlement,
)
from omniretail.analytics.models_supply import DailySupply


@admin.register(DailySales)
class DailySalesAdmin(ReadOnlyAdmin):
    list_display = ["day", "merchant", "store", "channel", "orders", "gmv", "refunded"]
    list_filter = ["channel"]
    date_hierarchy = "day"


@admin.register(DailyProductSales)
class DailyProductSalesAdmin(ReadOnlyAdmin):
    list_display = ["day", "merchant", "product_name", "sku_name", "units", "units_returned"]
    date_hierarchy = "day"


@admin.register(DailyPlatform)
class DailyPlatformAdmin(ReadOnlyAdmin):
    list_display = ["day", "new_members", "buyers"]


@admin.register(RollupMark)
class RollupMarkAdmin(ReadOnlyAdmin):
    list_display = ["name", "until"]


@admin.register(MemberScore)
class MemberScoreAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "member", "as_of", "segment", "r", "f", "m", "monetary"]
    list_filter = ["segment"]


@admin.register(SegmentCampaign)
class SegmentCampaignAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "segment", "as_of", "template", "created_at"]
    list_filter = ["segment"]


@admin.register(HourlySales)
class HourlySalesAdmin(ReadOnlyAdmin):
    list_display = ["day", "hour", "merchant", "store", "orders", "gmv", "refunded"]
    date_hierarchy = "day"


@admin.register(RuleSegment)
class RuleSegmentAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "name", "rules", "created_at"]


@admin.register(MarketingOptOut)
class MarketingOptOutAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "user", "created_at"]


@admin.register(SmsCampaign)
class SmsCampaignAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "segment_name", "status", "created_at", "finished_at"]
    list_filter = ["status"]


@admin.register(SmsRecipient)
class SmsRecipientAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "member", "status", "reason", "updated_at"]
    list_filter = ["status"]


@admin.register(QualityCount)
class QualityCountAdmin(ReadOnlyAdmin):
    list_display = ["day", "rule", "count"]
    date_hierarchy = "day"


@admin.register(MemberMerge)
class MemberMergeAdmin(ReadOnlyAdmin):
    list_display = ["source", "target", "merged_by", "merged_at", "undone_by", "undone_at"]


@admin.register(PointsCampaign)
class PointsCampaignAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "segment_name", "points", "status", "created_at", "finished_at"]
    list_filter = ["status"]


@admin.register(PointsRecipient)
class PointsRecipientAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "member", "status", "updated_at"]
    list_filter = ["status"]


@admin.register(BirthdayCampaign)
class BirthdayCampaignAdmin(ReadOnlyAdmin):
    list_display = ["merchant", "gift", "template", "points", "days_before", "is_active"]
    list_filter = ["gift", "is_active"]


@admin.register(BirthdayGift)
class BirthdayGiftAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "member", "year", "status", "points", "created_at"]
    list_filter = ["status"]


@admin.register(VerifiedIdentity)
class VerifiedIdentityAdmin(ReadOnlyAdmin):
    """Masked only: the keyed hash is for matching, not for reading."""

    list_display = ["user", "status", "name_masked", "id_masked", "provider", "checked_at"]
    list_filter = ["status", "provider"]
    exclude = ["id_hash"]


# The dashboards' other roll-ups, each with the columns that identify its row and a few
# figures; rebuilt by their jobs like the sales roll-up.
ROLLUPS = {
    DailyCounter: ["day", "counter", "merchant", "scans", "paid", "vended", "up_minutes"],
    DailyCounterProduct: ["day", "counter", "product_name", "scans", "leads", "vended"],
    DailyCounterFault: ["day", "counter", "kind", "reason", "count"],
    DailyMarketing: ["day", "merchant", "new_members", "referred_orders", "points_issued"],
    DailyBuyer: ["day", "merchant", "shopper", "orders", "net"],
    FirstPurchase: ["day", "merchant", "shopper"],
    DailyCoupons: ["day", "merchant", "template", "issued", "used", "discount"],
    DailyPoints: ["day", "asset", "merchant", "issued", "redeemed", "expired"],
    DailySettlement: ["day", "org", "counterparty", "receivable_points", "payable_points"],
    DailyGroupBuy: ["day", "merchant", "campaign", "joins", "paid", "winners"],
    DailyReferral: ["day", "merchant", "orders", "gmv", "commission", "clicks"],
    DailySupply: ["day", "producer", "region", "retailer", "sku", "units_sold"],
}
for _model, _columns in ROLLUPS.items():
    admin.site.register(
        _model,
        type(
            f"{_model.__name__}Admin",
            (ReadOnlyAdmin,),
            {"list_display": _columns, "date_hierarchy": "day"},
        ),
    )
