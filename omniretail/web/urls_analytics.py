"""Analytics reports, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_analytics, views_catalog_merge

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
    path("ops/analytics/quality/", views_analytics.ops_quality, name="ops_quality"),
    path(
        "ops/analytics/quality/merge/",
        views_analytics.ops_quality_merge,
        name="ops_quality_merge",
    ),
    path(
        "ops/analytics/quality/merges/<int:merge_id>/undo/",
        views_analytics.ops_quality_undo,
        name="ops_quality_undo",
    ),
    path(
        "ops/analytics/quality/goods/",
        views_catalog_merge.ops_goods_merges,
        name="ops_goods_merges",
    ),
    path(
        "ops/analytics/quality/goods/merge/",
        views_catalog_merge.ops_goods_merge,
        name="ops_goods_merge",
    ),
    path(
        "ops/analytics/quality/goods/merges/<str:merge_id>/undo/",
        views_catalog_merge.ops_goods_merge_undo,
        name="ops_goods_merge_undo",
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
        "merchant/analytics/segments/",
        views_analytics.m_analytics_segments_define,
        name="m_analytics_segments_define",
    ),
    path(
        "merchant/analytics/segments/<str:key>/delete/",
        views_analytics.m_analytics_segments_delete,
        name="m_analytics_segments_delete",
    ),
    path(
        "merchant/analytics/sms/",
        views_analytics.m_analytics_sms_send,
        name="m_analytics_sms_send",
    ),
    path(
        "merchant/analytics/sms/<int:campaign_id>/",
        views_analytics.m_analytics_sms,
        name="m_analytics_sms",
    ),
    path(
        "merchant/analytics/birthday/",
        views_analytics.m_analytics_birthday_start,
        name="m_analytics_birthday_start",
    ),
    path(
        "merchant/analytics/birthday/<int:campaign_id>/stop/",
        views_analytics.m_analytics_birthday_stop,
        name="m_analytics_birthday_stop",
    ),
    path(
        "producer/analytics/production/",
        views_analytics.producer_production,
        name="producer_production",
    ),
    path(
        "marketing/optout/<str:token>/",
        views_analytics.analytics_optout,
        name="analytics_optout",
    ),
    path(
        "merchant/analytics/stores/<str:store_id>/",
        views_analytics.m_analytics_store,
        name="m_analytics_store",
    ),
]
