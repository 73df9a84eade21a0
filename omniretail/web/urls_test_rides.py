"""我的试驾 pages, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_test_rides as views

urlpatterns = [
    path("me/test-rides/", views.my_test_rides, name="my_test_rides"),
    path("me/test-rides/<str:public_id>/cancel/", views.cancel, name="my_test_ride_cancel"),
]
