"""Idempotent sweeps of the loyalty programme, enqueued by the scheduler (core.scheduler)."""

from omniretail.core.scheduler import every
from omniretail.loyalty import services

PERIODIC = [
    every(minutes=10)(services.expire_due_lots),
]
