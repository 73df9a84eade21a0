"""Idempotent sweeps of the loyalty programme, enqueued by the scheduler (core.scheduler)."""

from omniretail.core.scheduler import every
from omniretail.loyalty import members, services

PERIODIC = [
    every(minutes=10)(services.expire_due_lots),
    every(minutes=10)(members.send_birthday_greetings),
]
