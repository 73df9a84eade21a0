"""A guest who opened a share link and then logs in keeps the click: the visits remembered
on the session become the member's (Django keeps session data across the login)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from omniretail.referrals import services

SESSION_VISITS = "referral_visits"


def remember_visit(session, visit) -> None:
    visits = [v for v in session.get(SESSION_VISITS, []) if v != visit.public_id]
    session[SESSION_VISITS] = [*visits, visit.public_id][-services.MAX_SESSION_VISITS :]


@receiver(user_logged_in)
def claim_guest_visits(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None and session.get(SESSION_VISITS):
        services.claim_visits(user=user, visit_ids=session.pop(SESSION_VISITS))
