"""The Alipay sandbox's books, to look at: its state changes only through its gateway and
the payer's pages, never by hand."""

from django.contrib import admin

from omniretail.sandbox_alipay.models import Notification, Refund, Trade


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Trade)
class TradeAdmin(ReadOnly):
    list_display = ["out_trade_no", "trade_no", "status", "total_amount", "gmt_create"]
    list_filter = ["status"]
    search_fields = ["out_trade_no", "trade_no"]


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    list_display = ["trade", "out_request_no", "refund_amount"]
    search_fields = ["out_request_no"]


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ["notify_id", "trade", "url"]
    search_fields = ["notify_id"]
