"""Idempotent sweeps of the supply programme, run by the worker on every tick."""

HOUSEKEEPING: list = []
