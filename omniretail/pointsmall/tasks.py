"""Idempotent sweeps of the points mall, enqueued by the scheduler (core.scheduler)."""

from omniretail.core.scheduler import every
from omniretail.pointsmall import services

PERIODIC = [every(minutes=1)(services.expire_vouchers)]
