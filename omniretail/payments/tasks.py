"""Payments' sweeps, enqueued by the scheduler (core.scheduler): ask the providers about
payments whose callback may be lost, then cancel intents no provider holds a charge for.
The orders' expiry needs neither to have run first: it leaves alone any order whose
payment the gateway has not been asked about."""

from omniretail.core.scheduler import every
from omniretail.payments import instalments, reconcile, services, statements

PERIODIC = [
    every(seconds=10)(reconcile.reconcile_intents),
    every(seconds=30)(services.expire_intents),
    every(hours=1)(statements.reconcile_yesterday),
    every(hours=1)(instalments.daily),
]
