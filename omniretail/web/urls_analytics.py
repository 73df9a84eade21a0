"""Analytics reports, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_analytics

urlpatterns = [
    path("ops/analytics/", views_analytics.ops_analytics, name="ops_analytics"),
    path(
        "ops/analytics/merchants/<str:merchant_id>/",
        views_analytics.ops_analytics_merchant,
        name="ops_analytics_merchant",
    ),
    path(
        "ops/analytics/merchants/<str:merchant_id>/stores/<str:store_id>/",
        views_analytics.ops_analytics_store,
        name="ops_analytics_store",
    ),
    path("merchant/analytics/", views_analytics.m_analytics, name="m_analytics"),
    path(
        "merchant/analytics/members/",
        views_analytics.m_analytics_members,
        name="m_analytics_members",
    ),
    path(
        "merchant/analytics/members/send/",
        views_analytics.m_analytics_members_send,
        name="m_analytics_members_send",
    ),
    path(
        "merchant/analytics/stores/<str:store_id>/",
        views_analytics.m_analytics_store,
        name="m_analytics_store",
    ),
]
