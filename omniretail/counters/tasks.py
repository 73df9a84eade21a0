"""Idempotent sweeps of the counters programme, enqueued by the scheduler (core.scheduler)."""

from omniretail.core.scheduler import every
from omniretail.counters.device import mark_offline
from omniretail.counters.services import retire_credentials
from omniretail.counters.snapshots import purge_expired
from omniretail.counters.vending import expire_codes, expire_unlocks, flag_unclosed_doors

PERIODIC = [
    every(seconds=10)(expire_unlocks),
    every(seconds=30)(expire_codes),
    every(seconds=30)(flag_unclosed_doors),
    every(seconds=30)(mark_offline),
    every(seconds=60)(retire_credentials),
    every(seconds=3600)(purge_expired),
]
