"""Product review pages, in the `web:` namespace (included by urls.py)."""

from django.urls import path

from omniretail.web import views_reviews

urlpatterns = [
    path("orders/<str:public_id>/reviews/new/", views_reviews.review_line, name="review_line"),
    path("merchant/reviews/", views_reviews.merchant_reviews, name="m_reviews"),
    path("merchant/reviews/<str:public_id>/hide/", views_reviews.hide, name="m_review_hide"),
    path("merchant/reviews/<str:public_id>/reply/", views_reviews.reply, name="m_review_reply"),
]
