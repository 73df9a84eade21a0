"""Merchandising pages, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_merch_ops as ops
from omniretail.web import views_merchandising

urlpatterns = [
    path("ranking/", views_merchandising.ranking, name="ranking"),
    path("p/<str:public_id>/guesses/", views_merchandising.product_guesses, name="guesses"),
    path("brands/", views_merchandising.brands, name="brands"),
    path("brands/<str:public_id>/", views_merchandising.brand, name="brand"),
    path("producer/specials/", views_merchandising.specials, name="specials"),
    path(
        "producer/specials/<str:public_id>/end/",
        views_merchandising.end_special,
        name="special_end",
    ),
    path("ops/brand-halls/", ops.brand_halls, name="ops_brand_halls"),
    path("ops/brand-halls/<str:public_id>/", ops.brand_hall, name="ops_brand_hall"),
    path("ops/featured/", ops.featured, name="ops_featured"),
    path("ops/featured/<str:public_id>/end/", ops.featured_end, name="ops_featured_end"),
    path("ops/banners/", ops.banners, name="ops_banners"),
    path("ops/banners/<str:public_id>/end/", ops.banner_end, name="ops_banner_end"),
]
