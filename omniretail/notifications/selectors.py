from django.db.models import Q, QuerySet

from omniretail.accounts.selectors import organizations_of
from omniretail.notifications.models import Notification


def notifications_for(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    """A person's own messages and those of the organisations they act for."""
    qs = Notification.objects.filter(Q(user=user) | Q(organization__in=organizations_of(user)))
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs
