"""Payments admin: intents and refunds change only through services (read-only here), so
an operator can look, search and audit callbacks without bypassing the state machine."""

from django.contrib import admin

from omniretail.accounts.admin_scoping import ReadOnlyAdmin
from omniretail.payments.models import (
    CallbackLog,
    CreditBill,
    CreditLine,
    CreditLineEvent,
    CreditRepayment,
    CreditRule,
    Instalment,
    InstalmentPlan,
    InstalmentTerms,
    LateFee,
    Mismatch,
    PaymentIntent,
    Reconciliation,
    Refund,
    SandboxCharge,
    SandboxRefund,
    TopUp,
    TopUpRule,
)


class RefundInline(admin.TabularInline):
    model = Refund
    fields = ("public_id", "amount", "status", "reason", "provider_reference", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PaymentIntent)
class PaymentIntentAdmin(ReadOnlyAdmin):
    list_display = [
        "public_id",
        "purpose",
        "reference",
        "amount",
        "amount_refunded",
        "provider",
        "status",
        "payee",
        "created_at",
    ]
    list_filter = ["status", "provider", "purpose"]
    search_fields = ["public_id", "reference", "provider_reference", "payer__phone"]
    list_select_related = ["payee"]
    date_hierarchy = "created_at"
    inlines = [RefundInline]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "intent", "amount", "status", "reason", "created_at"]
    list_filter = ["status"]
    search_fields = ["public_id", "intent__public_id", "provider_reference"]
    list_select_related = ["intent"]


@admin.register(CallbackLog)
class CallbackLogAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider", "event_type", "signature_valid", "outcome", "intent"]
    list_filter = ["provider", "outcome", "signature_valid"]
    search_fields = ["event_id", "intent__public_id", "body"]
    list_select_related = ["intent"]


@admin.register(SandboxCharge)
class SandboxChargeAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "merchant_reference", "amount", "amount_refunded", "status"]
    list_filter = ["status"]
    search_fields = ["public_id", "merchant_reference"]


@admin.register(SandboxRefund)
class SandboxRefundAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "charge", "amount", "merchant_refund_reference", "created_at"]
    search_fields = ["public_id", "merchant_refund_reference"]


@admin.register(TopUpRule)
class TopUpRuleAdmin(ReadOnlyAdmin):
    list_display = ["threshold", "bonus", "starts_at", "ends_at", "is_active"]


@admin.register(TopUp)
class TopUpAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "user", "amount", "bonus", "status", "amount_refunded"]
    list_filter = ["status"]
    search_fields = ["public_id", "intent_id", "user__phone"]


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnlyAdmin):
    list_display = ["day", "provider", "statement_lines", "matched", "error"]
    list_filter = ["provider"]


@admin.register(Mismatch)
class MismatchAdmin(ReadOnlyAdmin):
    list_display = ["reconciliation", "kind", "intent_id", "refund_id", "ours", "theirs"]
    list_filter = ["kind"]


@admin.register(CreditLine)
class CreditLineAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "user", "limit", "source", "frozen", "overdue", "period_start"]
    list_filter = ["source", "frozen", "overdue"]
    search_fields = ["public_id", "user__phone"]


@admin.register(CreditBill)
class CreditBillAdmin(ReadOnlyAdmin):
    list_display = ["line", "period_start", "amount", "settled", "late_fees", "due_on", "paid_at"]
    search_fields = ["line__user__phone"]


@admin.register(CreditRepayment)
class CreditRepaymentAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "user", "kind", "amount", "status", "credited_at"]
    list_filter = ["kind", "status"]
    search_fields = ["public_id", "intent_id", "user__phone"]


@admin.register(InstalmentPlan)
class InstalmentPlanAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "user", "principal", "months", "fee", "release", "status"]
    list_filter = ["status", "months", "release"]
    search_fields = ["public_id", "intent_id", "user__phone"]


@admin.register(CreditRule)
class CreditRuleAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "min_tier_rank", "min_paid_orders", "limit", "is_active"]


@admin.register(CreditLineEvent)
class CreditLineEventAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "line", "kind", "old_limit", "new_limit", "at"]
    list_filter = ["kind"]


@admin.register(InstalmentTerms)
class InstalmentTermsAdmin(ReadOnlyAdmin):
    list_display = ["public_id", "organization", "months", "release"]


@admin.register(Instalment)
class InstalmentAdmin(ReadOnlyAdmin):
    list_display = ["plan", "number", "due_on", "principal", "fee", "paid_at", "waived"]


@admin.register(LateFee)
class LateFeeAdmin(ReadOnlyAdmin):
    list_display = ["day", "bill", "instalment", "overdue", "amount"]
