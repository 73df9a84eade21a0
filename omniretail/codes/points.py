"""The one place where codes moves points: platform points through loyalty, issued against
the producer (its clearing account), so settlement knows who owes them."""

from omniretail.loyalty import selectors as loyalty_selectors
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import EarnRule

ASSET = loyalty.PLATFORM_POINTS


def scan_points(*, batch, first_scan: bool) -> tuple[int, int]:
    """The batch's printed promise (or, without one, the producer's scan rule), plus the
    producer's first-scan bonus for a member's first code of this producer."""
    product = batch.sku.product
    base = batch.points_per_scan
    if base is None:
        base = loyalty.points_for_event(
            kind=EarnRule.Kind.SCAN, org=batch.producer, product=product
        )
    bonus = 0
    if first_scan:
        bonus = loyalty.points_for_event(
            kind=EarnRule.Kind.FIRST_SCAN, org=batch.producer, product=product
        )
    return base, bonus


def award(*, user, points: int, producer, reason: str, idempotency_key: str) -> None:
    if points > 0:
        loyalty.award_points(
            user=user,
            asset_code=ASSET,
            points=points,
            reason=reason,
            idempotency_key=idempotency_key,
            source_org=producer,
        )


def balance(user) -> int:
    return loyalty_selectors.balance(user, ASSET)
