"""Idempotent sweeps of the counters programme, run by the worker on every tick."""

HOUSEKEEPING: list = []
