"""Idempotent sweeps of the codes programme, run by the worker on every tick."""

HOUSEKEEPING: list = []
