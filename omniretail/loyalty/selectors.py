"""Reads of the loyalty programme for pages and the API, scoped to the acting user."""

from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from omniretail.ledger import selectors as ledger_selectors
from omniretail.loyalty.models import Lot


def balance(user, asset_code: str) -> int:
    """The member's ledger balance of one asset (0 when they never held any)."""
    return ledger_selectors.balance_for_user(user, asset_code)


def expiring_soon(user, *, days: int = 30) -> list[dict]:
    """Per asset and date, the points that lapse within `days`."""
    today = timezone.localdate()
    rows = (
        Lot.objects.filter(
            account__owner_type="user",
            account__owner_id=user.public_id,
            remaining__gt=0,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=days),
        )
        .values("account__asset__code", "account__asset__name", "expires_on")
        .annotate(points=Sum("remaining"))
        .order_by("expires_on")
    )
    return [
        {
            "asset_code": r["account__asset__code"],
            "asset_name": r["account__asset__name"],
            "expires_on": r["expires_on"],
            "points": r["points"],
        }
        for r in rows
    ]
