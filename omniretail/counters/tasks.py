"""Idempotent sweeps of the counters programme, run by the worker on every tick."""

from omniretail.counters.device import mark_offline
from omniretail.counters.vending import expire_codes, expire_unlocks, flag_unclosed_doors

HOUSEKEEPING: list = [expire_unlocks, expire_codes, flag_unclosed_doors, mark_offline]
