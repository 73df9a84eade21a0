"""The catalogue's sweeps, enqueued by the scheduler (core.scheduler)."""

from omniretail.catalog import discovery
from omniretail.core.scheduler import every

PERIODIC = [every(minutes=10)(discovery.refresh)]
