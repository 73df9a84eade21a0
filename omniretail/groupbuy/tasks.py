"""Idempotent sweeps of the groupbuy programme, run by the worker on every tick."""

HOUSEKEEPING: list = []
