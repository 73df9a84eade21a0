import logging

from django.db import transaction
from django.utils import timezone

from omniretail.core.sms import send_sms
from omniretail.notifications.models import Notification

logger = logging.getLogger(__name__)


def notify(
    *, title: str, body: str, user=None, organization=None, link: str = "", sms_to: str = ""
) -> Notification:
    """An in-app notification, plus an SMS after commit when a phone is given. A failing SMS
    gateway is logged, never allowed to undo the business change that caused it."""
    note = Notification.objects.create(
        user=user, organization=organization, title=title[:120], body=body[:500], link=link
    )
    if sms_to:

        def send():
            try:
                send_sms(phone=sms_to, template="notice", context={"title": title, "body": body})
            except Exception:
                logger.exception("SMS to %s failed", sms_to)

        transaction.on_commit(send)
    return note


def mark_read(*, user, notification_ids: list[str]) -> int:
    return Notification.objects.filter(
        user=user, public_id__in=notification_ids, read_at__isnull=True
    ).update(read_at=timezone.now())
