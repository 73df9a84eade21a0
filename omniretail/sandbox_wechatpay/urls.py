"""WeChat Pay's API paths under /sandbox-wechatpay/ (APIv3 JSON, APIv2 XML for payment
codes), and the pages a payer sees: the H5 cashier and the phone asking for a password."""

from django.urls import path

from omniretail.sandbox_wechatpay import views

app_name = "sandbox_wechatpay"
urlpatterns = [
    path("v3/pay/transactions/<str:kind>", views.create, name="create"),
    path("v3/pay/transactions/out-trade-no/<str:out_trade_no>", views.query, name="query"),
    path(
        "v3/pay/transactions/out-trade-no/<str:out_trade_no>/close",
        views.close,
        name="close",
    ),
    path("v3/refund/domestic/refunds", views.refund, name="refund"),
    path("v3/refund/domestic/refunds/<str:out_refund_no>", views.refund_query, name="refund_query"),
    path("v3/bill/tradebill", views.trade_bill, name="tradebill"),
    path("v3/billdownload/file", views.bill_download, name="billdownload"),
    path("pay/micropay", views.micropay, name="micropay"),
    path("secapi/pay/reverse", views.reverse, name="reverse"),
    path("cashier/<str:prepay_id>/", views.cashier, name="cashier"),
    path("phone/<str:auth_code>/", views.phone, name="phone"),
]
