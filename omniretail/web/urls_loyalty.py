"""Pages of the loyalty programme, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_loyalty

urlpatterns = [
    path("me/points/", views_loyalty.wallet, name="points_wallet"),
    path("me/points/code/", views_loyalty.exchange_code, name="points_exchange_code"),
    path(
        "me/points/exchange/<str:public_id>/",
        views_loyalty.exchange_page,
        name="points_exchange",
    ),
    path(
        "me/points/exchange/<str:public_id>/preview/",
        views_loyalty.exchange_preview,
        name="points_exchange_preview",
    ),
    path("me/coupons/", views_loyalty.my_coupons, name="my_coupons"),
    path("merchant/loyalty/", views_loyalty.merchant_console, name="m_loyalty"),
    path(
        "merchant/loyalty/coupon-template/",
        views_loyalty.merchant_coupon_template,
        name="m_loyalty_coupon_template",
    ),
    path(
        "merchant/loyalty/coupon-issue/",
        views_loyalty.merchant_coupon_issue,
        name="m_loyalty_coupon_issue",
    ),
    path("merchant/loyalty/rule/", views_loyalty.merchant_rule, name="m_loyalty_rule"),
    path("merchant/loyalty/exchange/", views_loyalty.merchant_exchange, name="m_loyalty_exchange"),
    path(
        "ops/finance/points-statements/",
        views_loyalty.ops_statements,
        name="ops_points_statements",
    ),
    path(
        "ops/finance/points-statements/<str:public_id>/settle/",
        views_loyalty.ops_statement_settle,
        name="ops_points_statement_settle",
    ),
    path(
        "merchant/loyalty/statement/",
        views_loyalty.merchant_statement,
        name="m_loyalty_statement",
    ),
]
