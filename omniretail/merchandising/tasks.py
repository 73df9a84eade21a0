"""Merchandising's sweeps, enqueued by the scheduler (core.scheduler)."""

from omniretail.core.scheduler import every
from omniretail.merchandising import ranking, recommendations

PERIODIC = [every(minutes=10)(ranking.refresh), every(minutes=30)(recommendations.refresh)]
