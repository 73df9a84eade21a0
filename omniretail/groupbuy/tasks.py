"""Idempotent sweeps of the groupbuy programme, run by the worker on every tick: lapsed
seats go back, formed groups are drawn and settled, ended campaigns close their unformed
groups. Each step is guarded by a status change, so a restart finishes it exactly once."""

from omniretail.groupbuy.services import expire_unpaid_members
from omniretail.groupbuy.settlement import close_ended_campaigns, finish_formed_groups

HOUSEKEEPING: list = [expire_unpaid_members, finish_formed_groups, close_ended_campaigns]
