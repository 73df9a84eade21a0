"""The sandbox's books, to look at: WeChat Pay's state changes only through its API and the
payer's pages, never by hand."""

from django.contrib import admin

from omniretail.sandbox_wechatpay.models import Refund, Transaction


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Transaction)
class TransactionAdmin(ReadOnly):
    list_display = ["out_trade_no", "trade_type", "trade_state", "total", "refunded", "created_at"]
    list_filter = ["trade_type", "trade_state"]
    search_fields = ["out_trade_no", "transaction_id", "description"]


@admin.register(Refund)
class RefundAdmin(ReadOnly):
    list_display = ["out_refund_no", "refund_id", "amount", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["out_refund_no", "refund_id"]
