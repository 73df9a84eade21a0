"""A credit line by the platform's rule (payments.credit.grant_by_rule) from what a member
has done here: their best loyalty tier at any merchant (its rank) and their paid orders. It
reads orders, so it lives above them, beside the tiers it builds on."""

from django.db.models import OuterRef, Subquery

from omniretail.earning.tiers import COUNTED
from omniretail.loyalty.models import Member, Tier
from omniretail.orders.models import Order
from omniretail.payments import credit
from omniretail.payments.models import CreditLine


def facts(user) -> tuple[int, int]:
    """(best tier rank, paid orders): the rank of the member's highest tier at any merchant
    (0 without one) and their orders paid and not refunded or cancelled."""
    rank = Tier.objects.filter(org_id=OuterRef("org_id"), name=OuterRef("tier")).values("rank")
    ranks = (
        Member.objects.filter(user=user)
        .exclude(tier="")
        .annotate(rank=Subquery(rank[:1]))
        .values_list("rank", flat=True)
    )
    paid = Order.objects.filter(shopper=user, status__in=COUNTED).count()
    return max((r for r in ranks if r is not None), default=0), paid


def offer_line(user) -> CreditLine | None:
    """The member's line, granted now if they meet an active rule and have none."""
    if line := credit.line_of(user):
        return line
    tier_rank, paid_orders = facts(user)
    return credit.grant_by_rule(user=user, tier_rank=tier_rank, paid_orders=paid_orders)
