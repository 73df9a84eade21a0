from django.urls import path

from omniretail.web import views_addresses, views_rider

urlpatterns = [
    path("me/addresses/", views_addresses.addresses, name="addresses"),
    path("me/addresses/new/", views_addresses.address_new, name="address_new"),
    path("me/addresses/<str:public_id>/edit/", views_addresses.address_edit, name="address_edit"),
    path(
        "me/addresses/<str:public_id>/<str:action>/",
        views_addresses.address_action,
        name="address_action",
    ),
    path("rider/", views_rider.deliveries, name="rider"),
    path("merchant/deliveries/", views_rider.store_deliveries, name="m_deliveries"),
    path("rider/<str:order_id>/<str:action>/", views_rider.rider_action, name="rider_action"),
]
