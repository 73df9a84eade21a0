"""Pages of the points mall, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_pointsmall

urlpatterns = [
    path("points-mall/", views_pointsmall.mall, name="points_mall"),
    path("points-mall/<str:public_id>/", views_pointsmall.good, name="points_good"),
    path("points-mall/<str:public_id>/redeem/", views_pointsmall.redeem, name="points_redeem"),
    path("me/vouchers/", views_pointsmall.vouchers, name="vouchers"),
    path("me/vouchers/<str:public_id>/", views_pointsmall.voucher, name="voucher"),
    path("merchant/points-mall/", views_pointsmall.merchant_goods, name="m_points_goods"),
]
