"""The one place where referrals move platform points. Until the loyalty programme offers
its own earn rule for sharing, points are posted straight on the ledger (`PTS:PLATFORM`)
from a system account; switching to loyalty's services is a change to this module only."""

from omniretail.ledger import services as ledger
from omniretail.ledger.models import Account, Posting

SOURCE = "referral-points"


def points_account(user) -> Account:
    return ledger.get_or_create_account(asset_code=ledger.PLATFORM_POINTS, owner=user)


def award_points(*, user, points: int, reason: str, idempotency_key: str) -> Posting:
    """Give `user` platform points for sharing or as a rebate, once per key."""
    source = ledger.system_account(asset_code=ledger.PLATFORM_POINTS, name=SOURCE)
    return ledger.post(
        debit=source,
        credit=points_account(user),
        amount=points,
        idempotency_key=f"referrals:{idempotency_key}",
        kind="referral_points",
        reference=reason[:120],
    )


def reclaim_points(*, user, points: int, reason: str, idempotency_key: str) -> Posting:
    """Take back points of a rebate whose sale was refunded; refused (InsufficientFunds)
    when the member has already spent them, so the caller records a debt instead."""
    source = ledger.system_account(asset_code=ledger.PLATFORM_POINTS, name=SOURCE)
    return ledger.post(
        debit=points_account(user),
        credit=source,
        amount=points,
        idempotency_key=f"referrals:{idempotency_key}",
        kind="referral_points_reclaimed",
        reference=reason[:120],
    )
