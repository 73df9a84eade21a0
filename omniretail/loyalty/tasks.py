"""Idempotent sweeps of the loyalty programme, run by the worker on every tick."""

HOUSEKEEPING: list = []
