"""Customer service's sweeps, enqueued by the scheduler (core.scheduler): conversations
whose first answer is past the organisation's deadline, and complaints the merchant has
not answered in time, are escalated to the platform."""

from omniretail.core.scheduler import every
from omniretail.service.chat import escalate_overdue
from omniretail.service.complaints import escalate_overdue_complaints

PERIODIC = [
    every(seconds=60)(escalate_overdue),
    every(seconds=600)(escalate_overdue_complaints),
]
