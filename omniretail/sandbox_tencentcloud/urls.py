"""Tencent Cloud API 3.0 takes every action at "/" (X-TC-Action names it)."""

from django.urls import path

from omniretail.sandbox_tencentcloud import views

app_name = "sandbox_tencentcloud"
urlpatterns = [path("", views.api, name="api")]
