"""Pages of the counters programme, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_counters as views

urlpatterns = [
    path("counter/repairs/new/", views.repair_new, name="counter_repair_new"),
    path("counter/repairs/<str:public_id>/", views.repair_detail, name="counter_repair"),
    path("counter/<str:code>/", views.kiosk_screen, name="counter_kiosk"),
    path("counter/<str:code>/pair/<str:token>/", views.kiosk_pair, name="counter_kiosk_pair"),
    path("counter/<str:code>/code/", views.kiosk_code, name="counter_kiosk_code"),
    path(
        "counter/<str:code>/repair-pickup/",
        views.kiosk_repair_pickup,
        name="counter_kiosk_repair_pickup",
    ),
    path(
        "counter/<str:code>/test-ride/<str:product>/",
        views.test_ride_new,
        name="counter_test_ride",
    ),
    path("ops/counter-test-rides/", views.ops_test_rides, name="counter_ops_test_rides"),
    path(
        "ops/counter-test-rides/<str:public_id>/",
        views.ops_test_ride_move,
        name="counter_ops_test_ride_move",
    ),
    path("counter/<str:code>/ads/shown/", views.kiosk_ads_shown, name="counter_kiosk_ads_shown"),
    path("counter/<str:code>/buy", views.buy, name="counter_buy"),
    path("counter/vends/<str:public_id>/", views.vend_status, name="counter_vend"),
    path("producer/counter-insight/", views.producer_insight, name="counter_insight"),
    path("ops/counters/", views.ops, name="counter_ops"),
    path("ops/counters/new/", views.ops_counter_new, name="counter_ops_new"),
    path("ops/counter-ads/", views.ops_ads, name="counter_ops_ads"),
    path("ops/counters/<str:code>/", views.ops_counter, name="counter_ops_detail"),
    path("ops/counters/<str:code>/restock/", views.ops_restock, name="counter_ops_restock"),
    path("ops/counters/<str:code>/kiosk-link/", views.ops_kiosk_link, name="counter_kiosk_link"),
    path(
        "ops/counters/<str:code>/credentials/",
        views.ops_credential_issue,
        name="counter_ops_credential_issue",
    ),
    path(
        "ops/counters/<str:code>/credentials/<str:key_id>/revoke/",
        views.ops_credential_revoke,
        name="counter_ops_credential_revoke",
    ),
    path(
        "ops/counters/<str:code>/maintenance/",
        views.ops_maintenance,
        name="counter_ops_maintenance",
    ),
    path(
        "ops/counters/<str:code>/flag/clear/", views.ops_flag_clear, name="counter_ops_flag_clear"
    ),
    path("ops/counters/<str:code>/content/", views.ops_content, name="counter_ops_content"),
    path("ops/counter-leads/<str:public_id>/", views.ops_lead, name="counter_lead"),
    path(
        "ops/counter-leads/<str:public_id>/pass-on/",
        views.ops_lead_pass_on,
        name="counter_lead_pass_on",
    ),
    path("producer/counter-leads/<str:public_id>/", views.producer_lead, name="producer_lead"),
    path("ops/counter-tasks/<str:public_id>/done/", views.ops_task_done, name="counter_task_done"),
]
