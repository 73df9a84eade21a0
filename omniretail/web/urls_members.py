"""The merchant's member archive, in the `web:` namespace (included by urls.py)."""

from django.urls import path

from omniretail.web import views_members

urlpatterns = [
    path("merchant/members/", views_members.members, name="m_members"),
    path("merchant/members/tiers/", views_members.tiers, name="m_member_tiers"),
    path("merchant/members/<str:public_id>/", views_members.member, name="m_member"),
]
