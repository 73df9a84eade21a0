"""Reads over the kernel's own tables."""

from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from omniretail.core.models import OutboxEvent


def outbox_stats(*, now: datetime | None = None) -> dict:
    """Outbox lag for monitoring: pending and dead counts and the age in seconds of the
    oldest pending event (0 when none waits)."""
    now = now or timezone.now()
    figures = OutboxEvent.objects.filter(
        status__in=[OutboxEvent.Status.PENDING, OutboxEvent.Status.DEAD]
    ).aggregate(
        pending=Count("pk", filter=Q(status=OutboxEvent.Status.PENDING)),
        dead=Count("pk", filter=Q(status=OutboxEvent.Status.DEAD)),
        oldest=Min("created_at", filter=Q(status=OutboxEvent.Status.PENDING)),
    )
    oldest = figures.pop("oldest")
    figures["oldest_pending_age_s"] = max((now - oldest).total_seconds(), 0) if oldest else 0
    return figures
