from django.urls import path

from omniretail.web import views_privacy, views_real_name

urlpatterns = [
    path("legal/terms/", views_privacy.terms, name="terms"),
    path("legal/privacy/", views_privacy.privacy_policy, name="privacy_policy"),
    path("me/privacy/", views_privacy.account, name="privacy"),
    path("me/privacy/export/", views_privacy.export, name="privacy_export"),
    path("me/privacy/close/", views_privacy.close, name="privacy_close"),
    path("me/real-name/", views_real_name.real_name, name="real_name"),
]
