"""A product's specs page, beside its pictures page (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_specs

urlpatterns = [
    path("catalogue/<str:public_id>/specs/", views_specs.product_specs, name="product_specs"),
    path(
        "catalogue/<str:public_id>/specs/<str:sku_id>/",
        views_specs.sku_update,
        name="product_sku_update",
    ),
]
