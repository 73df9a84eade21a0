"""收藏, 足迹 and the 领券中心, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_shopping

urlpatterns = [
    path(
        "products/<str:public_id>/favourite/",
        views_shopping.favourite_toggle,
        name="favourite_toggle",
    ),
    path("me/favourites/", views_shopping.favourites, name="favourites"),
    path("me/history/", views_shopping.history, name="history"),
    path("me/history/clear/", views_shopping.history_clear, name="history_clear"),
    path("coupons/center/", views_shopping.coupon_centre, name="coupon_centre"),
    path(
        "coupons/center/<str:public_id>/claim/",
        views_shopping.coupon_claim,
        name="coupon_claim",
    ),
]
