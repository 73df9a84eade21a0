from django.db import transaction
from django.utils import timezone

from omniretail.core import logs
from omniretail.core.tasks import send_sms_once
from omniretail.notifications.models import Notification


def notify(
    *, title: str, body: str, user=None, organization=None, link: str = "", sms_to: str = ""
) -> Notification:
    """An in-app notification, plus an SMS task enqueued after commit when a phone is given
    (keyed by the notification, so it is sent once). A failing enqueue or SMS gateway is
    logged, never allowed to undo the business change that caused it."""
    note = Notification.objects.create(
        user=user, organization=organization, title=title[:120], body=body[:500], link=link
    )
    if sms_to:
        transaction.on_commit(
            lambda: logs.enqueue(
                send_sms_once,
                key=f"notice:{note.pk}",
                phone=sms_to,
                template="notice",
                context={"title": title, "body": body},
            ),
            robust=True,
        )
    return note


def mark_read(*, user, notification_ids: list[str]) -> int:
    return Notification.objects.filter(
        user=user, public_id__in=notification_ids, read_at__isnull=True
    ).update(read_at=timezone.now())
