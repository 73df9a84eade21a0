"""Analytics' sweeps, enqueued by the scheduler (core.scheduler): the days touched since the
last run are rolled up again, and members are scored (RFM) again each hour."""

from omniretail.analytics.members import score_members
from omniretail.analytics.services import rollup_changes
from omniretail.core.scheduler import every

PERIODIC = [every(seconds=600)(rollup_changes), every(seconds=3600)(score_members)]
