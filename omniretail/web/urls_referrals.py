"""Pages of the share-and-rebate programme, in the `web:` namespace (included by urls.py)."""

from django.urls import path

from omniretail.web import views_referrals

urlpatterns = [
    path("s/<str:token>/", views_referrals.share_landing, name="share_landing"),
    path("p/<str:public_id>/share/", views_referrals.share, name="share"),
    path("me/referrals/", views_referrals.my_referrals, name="my_referrals"),
    path(
        "me/referrals/<str:public_id>/payout/",
        views_referrals.request_payout,
        name="request_payout",
    ),
    path("merchant/referrals/", views_referrals.merchant_referrals, name="m_referrals"),
    path(
        "merchant/referrals/programme/",
        views_referrals.merchant_programme,
        name="m_referrals_programme",
    ),
    path(
        "merchant/referrals/rate/", views_referrals.merchant_product_rate, name="m_referrals_rate"
    ),
    path(
        "merchant/referrals/payouts/<str:public_id>/decide/",
        views_referrals.merchant_decide_payout,
        name="m_payout_decide",
    ),
]
