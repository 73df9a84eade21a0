from django.urls import path

from omniretail.web import views_finance

urlpatterns = [
    path("me/balance/", views_finance.balance, name="balance"),
    path("ops/finance/top-ups/", views_finance.ops_top_ups, name="ops_top_ups"),
    path(
        "ops/finance/top-up-rules/<str:public_id>/",
        views_finance.ops_top_up_rule,
        name="ops_top_up_rule",
    ),
    path(
        "ops/finance/top-ups/<str:public_id>/refund/",
        views_finance.ops_top_up_refund,
        name="ops_top_up_refund",
    ),
    path(
        "ops/finance/reconciliation/",
        views_finance.ops_reconciliation,
        name="ops_reconciliation",
    ),
    path(
        "ops/finance/reconciliation/<str:public_id>/",
        views_finance.ops_reconciliation_detail,
        name="ops_reconciliation_detail",
    ),
]
