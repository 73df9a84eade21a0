"""Store pages, public and in the merchant console, in the `web:` namespace (included by
urls.py)."""

from django.urls import path

from omniretail.web import views_promotions, views_stores

urlpatterns = [
    path("stores/<str:public_id>/", views_stores.store_page, name="store"),
    path(
        "stores/<str:store_id>/promotions/<str:public_id>/",
        views_promotions.theme_page,
        name="store_promotion",
    ),
    path("merchant/promotions/", views_promotions.promotions_page, name="m_promotions"),
    path(
        "merchant/promotions/<str:public_id>/end/",
        views_promotions.promotion_end,
        name="m_promotion_end",
    ),
    # the store's own details, hours and exceptions
    path("merchant/store/", views_stores.settings_page, name="m_store"),
    path("merchant/store/details/", views_stores.details, name="m_store_details"),
    path("merchant/store/hours/", views_stores.hours, name="m_store_hours"),
    path("merchant/store/exceptions/", views_stores.exception, name="m_store_exception"),
    path("merchant/store/photos/", views_stores.photos, name="m_store_photos"),
    path(
        "merchant/store/photos/<int:photo_id>/remove/",
        views_stores.photo_remove,
        name="m_store_photo_remove",
    ),
    path(
        "merchant/store/exceptions/<str:day>/remove/",
        views_stores.exception_remove,
        name="m_store_exception_remove",
    ),
]
