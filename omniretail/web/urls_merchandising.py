"""Merchandising pages, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_merchandising

urlpatterns = [
    path("ranking/", views_merchandising.ranking, name="ranking"),
]
