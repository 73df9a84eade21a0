"""Analytics' sweep, enqueued by the scheduler (core.scheduler): the days touched since the
last run are rolled up again."""

from omniretail.analytics.services import rollup_changes
from omniretail.core.scheduler import every

PERIODIC = [every(seconds=600)(rollup_changes)]
