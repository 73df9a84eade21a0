"""Product review pages, in the `web:` namespace (included by urls.py)."""

from django.urls import path

from omniretail.web import views_reviews

urlpatterns = [
    path("orders/<str:public_id>/reviews/new/", views_reviews.review_line, name="review_line"),
]
