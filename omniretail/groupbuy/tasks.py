"""Idempotent sweeps of the groupbuy programme, enqueued by the scheduler (core.scheduler):
lapsed seats go back, formed groups are drawn and settled, ended campaigns close their
unformed groups. Each step is guarded by a status change, so a restart finishes it exactly
once."""

from omniretail.core.scheduler import every
from omniretail.groupbuy.services import expire_unpaid_members
from omniretail.groupbuy.settlement import close_ended_campaigns, finish_formed_groups

PERIODIC = [
    every(seconds=10)(expire_unpaid_members),
    every(seconds=5)(finish_formed_groups),
    every(minutes=1)(close_ended_campaigns),
]
