"""Payments' sweeps, run by the worker in this order before the orders' expiry: ask the
providers about payments whose callback may be lost, then cancel intents no provider
holds a charge for."""

from omniretail.payments import reconcile, services

HOUSEKEEPING: list = [reconcile.reconcile_intents, services.expire_intents]
