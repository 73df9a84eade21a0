from django.urls import path

from omniretail.web import views_credit

urlpatterns = [
    path("me/credit/", views_credit.my_credit, name="credit"),
    path("me/credit/plans/<str:public_id>/pay/", views_credit.pay_plan, name="credit_plan_pay"),
    path(
        "me/credit/instalments/<str:intent_id>/",
        views_credit.choose_instalments,
        name="credit_instalments",
    ),
    path("ops/finance/credit/", views_credit.ops_credit, name="ops_credit"),
    path(
        "ops/finance/credit/lines/<str:public_id>/",
        views_credit.ops_credit_line,
        name="ops_credit_line",
    ),
    path("ops/finance/credit/rules/", views_credit.ops_credit_rules, name="ops_credit_rules"),
    path(
        "ops/finance/credit/rules/<str:public_id>/",
        views_credit.ops_credit_rule,
        name="ops_credit_rule",
    ),
    path(
        "ops/finance/credit/instalment-terms/",
        views_credit.ops_instalment_terms,
        name="ops_instalment_terms",
    ),
]
