"""A guest who scanned a counter's QR and then logs in becomes the lead's person."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from omniretail.counters import leads


@receiver(user_logged_in)
def claim_guest_scans(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        leads.attach_to_user(session=session, user=user)
