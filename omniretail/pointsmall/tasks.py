"""Idempotent sweeps of the points mall, run by the worker on every tick."""

from omniretail.pointsmall import services

HOUSEKEEPING: list = [services.expire_vouchers]
