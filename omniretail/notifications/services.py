import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.notifications.backends import SmsMessage, sms_backend
from omniretail.notifications.models import Notification

logger = logging.getLogger(__name__)

TEMPLATES = {
    "login_code": lambda ctx: (
        _("【全渠道零售】您的登录验证码是 %(code)s，%(minutes)s 分钟内有效。") % ctx
    ),
    "notice": lambda ctx: _("【全渠道零售】%(title)s：%(body)s") % ctx,
}


def send_sms(*, phone: str, template: str, context: dict) -> SmsMessage:
    message = SmsMessage(phone=phone, text=TEMPLATES[template](context), template=template)
    sms_backend().send(message)
    return message


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
