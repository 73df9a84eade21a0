from django.urls import path

from omniretail.sandbox_alipay import views

app_name = "sandbox_alipay"
urlpatterns = [
    path("gateway.do", views.gateway_do, name="gateway"),
    path("cashier/<str:trade_no>/", views.cashier, name="cashier"),
    path("cashier/<str:trade_no>/confirm/", views.confirm, name="confirm"),
    path("cashier/<str:trade_no>/cancel/", views.cancel, name="cancel"),
    path("qr/<str:trade_no>/", views.scan, name="scan"),
    path("bill/", views.download_bill, name="bill"),
]
