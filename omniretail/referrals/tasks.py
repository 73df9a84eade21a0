"""Referral sweeps, enqueued by the scheduler (core.scheduler): rewards whose return window
has passed are paid, frozen commission is released."""

from omniretail.core.scheduler import every
from omniretail.referrals.payouts import release_frozen_commissions
from omniretail.referrals.rewards import credit_due_rewards

PERIODIC = [
    every(minutes=1)(credit_due_rewards),
    every(minutes=1)(release_frozen_commissions),
]
