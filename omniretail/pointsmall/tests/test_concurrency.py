"""Races proven on PostgreSQL: members racing for the last unit get exactly one voucher;
expiry sweeps in several workers refund a voucher once."""

from datetime import timedelta

import pytest

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict
from omniretail.inventory.models import StockLevel
from omniretail.ledger.models import Posting
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.selectors import balance
from omniretail.pointsmall import services
from omniretail.pointsmall.models import Redemption

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PTS = loyalty.PLATFORM_POINTS


def test_twelve_members_racing_for_the_last_unit_get_exactly_one_voucher(mall, race):
    services.redeem(member=mall.member, good=mall.good, store=mall.store, idempotency_key="1st")
    members = []
    for i in range(12):
        member = User.objects.create(username=f"m1390000{i:04d}", phone=f"1390000{i:04d}")
        mall.give(member, 300)
        members.append(member)

    outcomes = race(
        12,
        lambda i: services.redeem(
            member=members[i], good=mall.good, store=mall.store, idempotency_key="tap"
        ),
    )

    won = [o for o in outcomes if isinstance(o, Redemption)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(refused) == 11, outcomes
    assert {o.code for o in refused} == {"out_of_stock"}
    level = StockLevel.objects.get(location=mall.location, sku=mall.sku)
    assert (level.on_hand, level.reserved) == (0, 0)
    assert sorted(balance(m, PTS) for m in members) == [0] + [300] * 11


def test_one_member_tapping_in_eight_tabs_with_one_key_spends_once(mall, race):
    outcomes = race(
        8,
        lambda i: services.redeem(
            member=mall.member, good=mall.good, store=mall.store, idempotency_key="same"
        ),
    )
    assert len({o.pk for o in outcomes}) == 1, outcomes
    assert balance(mall.member, PTS) == 200 and Redemption.objects.count() == 1


def test_expiry_sweeps_in_four_workers_refund_a_voucher_once(mall, race):
    row = services.redeem(member=mall.member, good=mall.good, store=mall.store, idempotency_key="k")
    later = row.expires_at + timedelta(minutes=1)

    outcomes = race(4, lambda i: services.expire_vouchers(now=later))

    assert sorted(outcomes) == [0, 0, 0, 1], outcomes
    assert balance(mall.member, PTS) == 500
    assert Posting.objects.filter(kind="loyalty_refund").count() == 1
    level = StockLevel.objects.get(location=mall.location, sku=mall.sku)
    assert (level.on_hand, level.reserved) == (2, 0)
