from django.db import transaction
from django.utils import timezone

from omniretail.core import inserts, logs
from omniretail.core.tasks import send_sms_once
from omniretail.notifications.models import Notification
from omniretail.notifications.selectors import notifications_for


def notify(
    *, title: str, body: str, user=None, organization=None, link: str = "", sms_to: str = ""
) -> Notification:
    """An in-app notification, plus an SMS task enqueued after commit when a phone is given
    (keyed by the notification, so it is sent once). A failing enqueue or SMS gateway is
    logged, never allowed to undo the business change that caused it. Written by
    core.inserts: every paid order and checkout writes one, and the ORM's insert compiler
    cost more CPU than the statement."""
    note = Notification(
        user=user, organization=organization, title=title[:120], body=body[:500], link=link
    )
    inserts.insert([note])
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


def mark_read(*, user, notification_ids: list[str] | None = None) -> int:
    """Mark the given messages the user can see as read (all of them without ids); a
    message already read keeps the time it was first read. Returns how many changed."""
    unread = notifications_for(user, unread_only=True)
    if notification_ids is not None:
        unread = unread.filter(public_id__in=notification_ids)
    return Notification.objects.filter(pk__in=unread.values("pk"), read_at__isnull=True).update(
        read_at=timezone.now()
    )
