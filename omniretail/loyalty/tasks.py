"""Idempotent sweeps of the loyalty programme, run by the worker on every tick."""

from omniretail.loyalty import members, services

HOUSEKEEPING: list = [
    services.expire_due_lots,
    members.recompute_tiers,
    members.send_birthday_greetings,
]
