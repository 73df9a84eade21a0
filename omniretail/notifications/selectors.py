from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import organizations_of
from omniretail.core.errors import NotFound
from omniretail.notifications.models import Notification


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """A person's own messages and those of the organisations they act for."""
    qs = Notification.objects.filter(Q(user=user) | Q(organization__in=organizations_of(user)))
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def notification_for(user, public_id: str) -> Notification:
    """One message the user can see; another person's is not found, as if it did not exist."""
    note = notifications_for(user).filter(public_id=public_id).first()
    if note is None:
        raise NotFound(_("找不到该消息。"))
    return note
