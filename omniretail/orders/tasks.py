"""Orders' sweep, enqueued by the scheduler (core.scheduler): unpaid orders past their
deadline are cancelled and their stock released."""

from omniretail.core.scheduler import every
from omniretail.orders.services import expire_unpaid_orders

PERIODIC = [every(seconds=10)(expire_unpaid_orders)]
