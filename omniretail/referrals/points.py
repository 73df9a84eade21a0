"""The one place where referrals move platform points: through the loyalty programme's
services, so shared-link points are lots that expire like any other and a reclaim draws
the soonest-expiring lots first."""

from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account, Posting
from omniretail.loyalty import services as loyalty


def points_account(user) -> Account:
    return loyalty.wallet(user, ledger.PLATFORM_POINTS)


def points_issuer() -> Account:
    """Where reclaimed points go, so a points debt names the account it repays."""
    return loyalty.issuing_account(ledger.PLATFORM_POINTS)


def award_points(*, user, points: int, reason: str, idempotency_key: str) -> Posting:
    """Give `user` platform points for sharing or as a rebate, once per key."""
    return loyalty.award_points(
        user=user,
        asset_code=ledger.PLATFORM_POINTS,
        points=points,
        reason=reason,
        idempotency_key=f"referrals:{idempotency_key}",
    )


def reclaim_points(*, user, points: int, reason: str, idempotency_key: str) -> Posting:
    """Take back points of a rebate whose sale was refunded; refused (InsufficientFunds)
    when the member has already spent them, so the caller records a debt instead."""
    return loyalty.reclaim_points(
        user=user,
        asset_code=ledger.PLATFORM_POINTS,
        points=points,
        reason=reason,
        idempotency_key=f"referrals:{idempotency_key}",
    )
