"""Orders' sweeps, enqueued by the scheduler (core.scheduler): unpaid orders past their
deadline are cancelled and their stock released; deliveries past their ETA are flagged to
the store."""

from omniretail.core.scheduler import every
from omniretail.orders.delivery import flag_late_deliveries
from omniretail.orders.services import expire_unpaid_orders

PERIODIC = [every(seconds=10)(expire_unpaid_orders), every(seconds=60)(flag_late_deliveries)]
