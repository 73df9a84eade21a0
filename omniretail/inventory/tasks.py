"""Inventory's sweep, enqueued by the scheduler (core.scheduler): stock held by lapsed
reservations goes back."""

from omniretail.core.scheduler import every
from omniretail.inventory.services import release_expired_reservations

PERIODIC = [every(seconds=30)(release_expired_reservations)]
