from django.urls import path

from omniretail.web import views_media

urlpatterns = [
    path("catalogue/", views_media.products, name="product_media_list"),
    path("catalogue/<str:public_id>/media/", views_media.product_media, name="product_media"),
    path(
        "catalogue/<str:public_id>/media/<int:image_id>/<str:action>/",
        views_media.product_media_action,
        name="product_media_action",
    ),
    path("favicon.ico", views_media.favicon, name="favicon"),
]
