"""Staff pages of the merchant console and the invitee's invitations, in the `web:`
namespace (included by urls.py)."""

from django.urls import path

from omniretail.web import views_staff

urlpatterns = [
    path("merchant/staff/", views_staff.staff, name="m_staff"),
    path("merchant/staff/invite/", views_staff.invite, name="m_staff_invite"),
    path(
        "merchant/staff/invitations/<str:public_id>/revoke/",
        views_staff.revoke,
        name="m_staff_revoke",
    ),
    path("merchant/staff/<str:public_id>/role/", views_staff.change_role, name="m_staff_role"),
    path("merchant/staff/<str:public_id>/remove/", views_staff.remove, name="m_staff_remove"),
    path("invitations/", views_staff.invitations, name="invitations"),
    path("invitations/<str:public_id>/accept/", views_staff.accept, name="invitation_accept"),
]
