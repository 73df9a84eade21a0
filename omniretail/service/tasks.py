"""Customer service's sweep, enqueued by the scheduler (core.scheduler): conversations
whose first answer is past the organisation's deadline are escalated to the platform."""

from omniretail.core.scheduler import every
from omniretail.service.chat import escalate_overdue

PERIODIC = [every(seconds=60)(escalate_overdue)]
