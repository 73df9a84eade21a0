"""免费试用 pages, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_samples

urlpatterns = [
    path("samples/<str:public_id>/", views_samples.claim, name="sample_claim"),
    path("producer/samples/", views_samples.console, name="samples"),
    path("producer/samples/<str:public_id>/", views_samples.requests, name="sample_requests"),
    path("producer/samples/<str:public_id>/end/", views_samples.end, name="sample_end"),
]
