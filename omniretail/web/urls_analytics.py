"""Analytics reports, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_analytics

urlpatterns = [
    path("ops/analytics/", views_analytics.ops_analytics, name="ops_analytics"),
    path("merchant/analytics/", views_analytics.m_analytics, name="m_analytics"),
]
