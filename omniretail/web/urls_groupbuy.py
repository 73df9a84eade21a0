"""Pages of the groupbuy programme, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_groupbuy as views

urlpatterns = [
    path("groupbuy/", views.campaigns, name="groupbuy_list"),
    path("groupbuy/mine/", views.mine, name="groupbuy_mine"),
    path("groupbuy/groups/<str:public_id>/proof/", views.proof, name="groupbuy_proof"),
    path("groupbuy/<str:public_id>/", views.campaign, name="groupbuy_campaign"),
    path("groupbuy/<str:public_id>/seats/", views.seats, name="groupbuy_seats"),
    path("groupbuy/<str:public_id>/join/", views.join, name="groupbuy_join"),
    path("merchant/groupbuy/", views.merchant_campaigns, name="m_groupbuy"),
    path(
        "merchant/groupbuy/<str:public_id>/",
        views.merchant_campaign,
        name="m_groupbuy_campaign",
    ),
]
