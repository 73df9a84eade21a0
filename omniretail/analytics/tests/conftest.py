"""Members of one merchant with distinct tiers, visits, spend, birthdays and tags (and one
of another merchant), shared by the segment and campaign tests."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.inventory.services import location_for_store
from omniretail.loyalty.models import Member, MemberTag, Tier
from omniretail.orders.models import Order

_seq = iter(range(1, 10_000))


def make_member(org, phone, name, tier="", birthday=None):
    user = User.objects.create(username=f"r{phone}", phone=phone or None)
    return Member.objects.create(user=user, org=org, name=name, tier=tier, birthday=birthday)


def _order(store, member, days_ago, total, refunded="0"):
    Order.objects.create(
        number=f"S{next(_seq):08d}",
        merchant=store.merchant,
        store=store,
        location=location_for_store(store),
        shopper=member.user,
        fulfilment=Order.Fulfilment.PICKUP,
        status=Order.Status.PAID,
        subtotal=Decimal(total),
        total=Decimal(total),
        amount_refunded=Decimal(refunded),
        paid_at=timezone.now() - timedelta(days=days_ago),
    )


@pytest.fixture
def people(store, foreign_store):
    m = store.merchant
    Tier.objects.create(org=m, name="银卡", rank=1)
    Tier.objects.create(org=m, name="金卡", rank=2, min_spend=Decimal("1000"))
    p = {
        "周敏": make_member(m, "13700000001", "周敏", "金卡", date(1990, 3, 8)),
        "吴刚": make_member(m, "13700000002", "吴刚", "金卡"),
        "郑洁": make_member(m, "13700000003", "郑洁", "银卡"),
        "冯涛": make_member(m, "13700000004", "冯涛", birthday=date(1985, 3, 20)),
    }
    _order(store, p["周敏"], 10, "300.00")
    _order(store, p["吴刚"], 50, "800.00")
    _order(store, p["吴刚"], 200, "5000.00")  # outside 90 days
    _order(store, p["郑洁"], 5, "100.00", refunded="100.00")  # fully refunded: no visit
    MemberTag.objects.create(org=m, name="茶友").members.add(p["周敏"])
    rival = make_member(foreign_store.merchant, "13900000009", "他店金卡", "金卡", date(1990, 3, 1))
    _order(foreign_store, rival, 1, "9000.00")
    return p
