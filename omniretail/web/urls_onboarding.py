"""A retailer's joining of the online mall, in the `web:` namespace (included by urls.py)."""

from django.urls import path

from omniretail.web import views_onboarding as v

urlpatterns = [
    path("supply/join/", v.join, name="supply_join"),
    path("supply/join/<str:public_id>/licence/", v.licence, name="supply_join_licence"),
    path("supply/review/merchants/", v.review_merchants, name="supply_review_merchants"),
    path(
        "supply/review/merchants/<str:public_id>/",
        v.decide_merchant,
        name="supply_decide_merchant",
    ),
    path("supply/review/joining-reward/", v.joining_reward, name="supply_joining_reward"),
]
