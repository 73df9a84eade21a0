"""The roll-ups, to look at: they are rebuilt by the job from orders and refunds, never
edited by hand."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin
from omniretail.analytics.models import DailyPlatform, DailyProductSales, DailySales, RollupMark


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
