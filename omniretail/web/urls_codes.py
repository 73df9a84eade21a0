"""Pages of the codes programme, in the `web:` namespace (included by web/urls.py)."""

from django.urls import path

from omniretail.web import views_codes

urlpatterns = [
    path("q/<str:token>/", views_codes.scan, name="code_scan"),
    path("producer/codes/", views_codes.batches, name="code_batches"),
    path("producer/codes/<str:public_id>/", views_codes.batch, name="code_batch"),
    path(
        "producer/codes/<str:public_id>/progress/",
        views_codes.batch_progress,
        name="code_batch_progress",
    ),
]
