"""Merchandising pages, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_merchandising

urlpatterns = [
    path("ranking/", views_merchandising.ranking, name="ranking"),
    path("brands/", views_merchandising.brands, name="brands"),
    path("brands/<str:public_id>/", views_merchandising.brand, name="brand"),
    path("producer/specials/", views_merchandising.specials, name="specials"),
    path(
        "producer/specials/<str:public_id>/end/",
        views_merchandising.end_special,
        name="special_end",
    ),
]
