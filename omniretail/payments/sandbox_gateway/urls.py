from django.urls import path

from omniretail.payments.sandbox_gateway import views

app_name = "sandbox_gateway"
urlpatterns = [
    path("checkout/<str:charge_id>/", views.checkout, name="checkout"),
    path("checkout/<str:charge_id>/pay/", views.pay, name="pay"),
    path("checkout/<str:charge_id>/cancel/", views.cancel, name="cancel"),
    path("api/charges/query", views.query, name="query"),
    path("api/bills", views.bills, name="bills"),
]
