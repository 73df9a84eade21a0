"""Member tiers from order history: a member's rolling 12 months of paid orders at the
merchant, net of refunds, against the merchant's tiers (loyalty.members.tier_for). It counts
orders, so it lives here above them."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.core.money import money
from omniretail.loyalty.members import record_tier, tier_for
from omniretail.loyalty.models import Member
from omniretail.orders.models import Order

COUNTED = [
    Order.Status.PAID,
    Order.Status.READY_FOR_PICKUP,
    Order.Status.SHIPPED,
    Order.Status.COMPLETED,
    Order.Status.REFUND_REQUESTED,
]


def activity(member: Member, *, now=None) -> tuple[Decimal, int]:
    """Rolling 12 months at this merchant: net amount paid and paid orders (visits)."""
    now = now or timezone.now()
    row = Order.objects.filter(
        shopper_id=member.user_id,
        merchant_id=member.org_id,
        status__in=COUNTED,
        paid_at__gte=now - timedelta(days=365),
    ).aggregate(spend=Sum(F("total") - F("amount_refunded")), visits=Count("id"))
    return row["spend"] or Decimal("0"), row["visits"]


def recompute_tiers(*, now=None, limit: int = 500) -> int:
    """Housekeeping: members whose tier was last computed over a day ago."""
    now = now or timezone.now()
    stale = Member.objects.filter(
        activated_at__isnull=False, tier_computed_at__lt=now - timedelta(days=1)
    ) | Member.objects.filter(activated_at__isnull=False, tier_computed_at__isnull=True)
    changed = 0
    for member in stale.select_related("org").order_by("pk")[:limit]:
        spend, visits = activity(member, now=now)
        tier = tier_for(org=member.org, spend=spend, visits=visits)
        reason = _("近 12 个月消费 ¥%(spend)s、到访 %(visits)s 次") % {
            "spend": money(spend),
            "visits": visits,
        }
        changed += record_tier(
            member=member, tier=tier.name if tier else "", reason=reason, now=now
        )
    return changed
