"""Pages of the supply programme, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_supply as v

urlpatterns = [
    path("supply/", v.home, name="supply_home"),
    path("supply/register/", v.register, name="supply_register"),
    path("supply/producer/", v.producer, name="supply_producer"),
    path("supply/producer/upload/", v.upload, name="supply_upload"),
    path("supply/producer/terms/<str:public_id>/", v.edit_terms, name="supply_terms"),
    path("supply/review/", v.review, name="supply_review"),
    path("supply/review/goods/<str:public_id>/", v.decide_goods, name="supply_decide_goods"),
    path(
        "supply/review/producers/<str:public_id>/",
        v.decide_producer,
        name="supply_decide_producer",
    ),
    path("supply/review/split/", v.split_rule, name="supply_split"),
    path("supply/region/", v.region, name="supply_region"),
    path("supply/region/select/", v.select, name="supply_select"),
    path("supply/retailer/", v.retailer, name="supply_retailer"),
    path("supply/retailer/order/", v.order_goods, name="supply_order_goods"),
    path("supply/orders/<str:public_id>/", v.purchase_order, name="supply_po"),
    path("supply/orders/<str:public_id>/<str:action>/", v.po_action, name="supply_po_action"),
    path("supply/statements/", v.statements, name="supply_statements"),
    path("supply/statements/issue/", v.issue_statements, name="supply_issue"),
    path("supply/statements/<str:public_id>.csv", v.statement_export, name="supply_csv"),
    path("supply/statements/<str:public_id>/pay/", v.pay_statement, name="supply_pay"),
    path("supply/shop/<str:public_id>/", v.shop, name="supply_shop"),
    path("supply/mall/", v.mall, name="supply_mall"),
    path("supply/mall/deliver/", v.deliver, name="supply_deliver"),
]
