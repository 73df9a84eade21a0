"""Analytics' sweeps, enqueued by the scheduler (core.scheduler): the days touched since the
last run are rolled up again, members are scored (RFM) again each hour, and the data-quality
counts are recorded each day; birthday offers go out every ten minutes."""

from omniretail.analytics import rollup_counters
from omniretail.analytics.birthday import send_due
from omniretail.analytics.members import score_members
from omniretail.analytics.quality import record_counts
from omniretail.analytics.rollup_marketing import rollup_marketing
from omniretail.analytics.rollup_platform import rollup_platform_changes
from omniretail.analytics.rollup_supply import rollup_supply_changes
from omniretail.analytics.services import rollup_changes
from omniretail.core.scheduler import every

PERIODIC = [
    every(seconds=600)(rollup_changes),
    every(seconds=600)(rollup_supply_changes),
    every(seconds=600)(rollup_counters.rollup_changes),
    every(seconds=3600)(score_members),
    every(seconds=86400)(record_counts),
    every(seconds=600)(send_due),
    every(seconds=600)(rollup_marketing),
    every(seconds=600)(rollup_platform_changes),
]
