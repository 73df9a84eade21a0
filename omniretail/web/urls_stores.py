"""Store pages, in the `web:` namespace (included by urls.py)."""

from django.urls import path

from omniretail.web import views_stores

urlpatterns = [
    path("stores/<str:public_id>/", views_stores.store_page, name="store"),
]
