"""The merchant's member archive (会员档案) with what only orders know: each member's spend
over the rolling 12 months (net of refunds, as tiers count it) and last visit, filterable,
and their purchases in every channel. It reads orders, so it lives here above them;
loyalty.selectors gives the members themselves."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import DecimalField, F, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from omniretail.accounts.models import Organization
from omniretail.earning.tiers import COUNTED
from omniretail.loyalty import selectors as loyalty
from omniretail.loyalty.models import Member
from omniretail.orders.models import Order

LAST_VISIT = {"30": 30, "90": 90}  # visited within N days; "lapsed": not within 90


def _paid_orders(org_id_ref, user_id_ref):
    return Order.objects.filter(
        shopper_id=user_id_ref, merchant_id=org_id_ref, status__in=COUNTED
    ).order_by()


def archive(
    org: Organization,
    *,
    query: str = "",
    tier: str = "",
    birthday_month: int | None = None,
    last_visit: str = "",
    min_spend: Decimal | None = None,
    tag: str = "",
    now=None,
):
    """Members with `spend` (12 months) and `last_visit`, filtered (`tag`: one of the
    merchant's member tags); newest member first."""
    now = now or timezone.now()
    orders = _paid_orders(OuterRef("org_id"), OuterRef("user_id"))
    spend = (
        orders.filter(paid_at__gte=now - timedelta(days=365))
        .values("shopper_id")
        .annotate(v=Sum(F("total") - F("amount_refunded")))
        .values("v")
    )
    last = orders.values("shopper_id").annotate(v=Max("paid_at")).values("v")
    money = DecimalField(max_digits=14, decimal_places=2)
    qs = loyalty.merchant_members(
        org, query=query, tier=tier, birthday_month=birthday_month
    ).annotate(
        spend=Coalesce(
            Subquery(spend, output_field=money), Value(Decimal("0")), output_field=money
        ),
        last_visit=Subquery(last),
    )
    if last_visit in LAST_VISIT:
        qs = qs.filter(last_visit__gte=now - timedelta(days=LAST_VISIT[last_visit]))
    elif last_visit == "lapsed":
        qs = qs.filter(Q(last_visit__lt=now - timedelta(days=90)) | Q(last_visit__isnull=True))
    if min_spend is not None:
        qs = qs.filter(spend__gte=min_spend)
    if tag:
        qs = qs.filter(tags__org=org, tags__name=tag)
    return qs


def purchases(member: Member, *, limit: int = 50) -> list[Order]:
    """The member's orders at the merchant, every channel (online, pickup, till, counter),
    newest first."""
    return list(
        Order.objects.filter(shopper_id=member.user_id, merchant_id=member.org_id)
        .select_related("store")
        .order_by("-created_at", "-id")[:limit]
    )
