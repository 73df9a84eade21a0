"""Idempotent sweeps of loyalty's order-driven half, enqueued by the scheduler (core.scheduler)."""

from omniretail.core.scheduler import every
from omniretail.earning import tiers

PERIODIC = [
    every(minutes=1)(tiers.recompute_tiers),
]
