"""Races proven on PostgreSQL: members racing for a sample's last units get exactly that
many; one member claiming in several tabs gets no more than the limit."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.core.errors import Conflict
from omniretail.merchandising import samples
from omniretail.merchandising.models import SampleClaim, SampleOffer
from omniretail.orders import services as orders
from omniretail.orders.models import Order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def offer(producer_staff, sku, stocked):
    now = timezone.now()
    return samples.create_offer(
        actor=producer_staff,
        sku=sku,
        stock=3,
        per_member_limit=2,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )


def _claim(member, offer, store):
    slot = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    fulfilment = orders.resolve_fulfilment(kind="pickup", store=store, pickup_slot_start=slot)
    return samples.claim_sample(member=member, offer=offer, fulfilment=fulfilment)


def test_ten_members_racing_for_three_units_get_exactly_three(offer, store, race):
    members = [
        User.objects.create(username=f"m1390000{i:04d}", phone=f"1390000{i:04d}") for i in range(10)
    ]
    outcomes = race(10, lambda i: _claim(members[i], offer, store))
    won = [o for o in outcomes if isinstance(o, SampleClaim)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 3 and len(refused) == 7, outcomes
    assert {o.code for o in refused} == {"sample_sold_out"}
    assert SampleOffer.objects.get(pk=offer.pk).remaining == 0
    assert Order.objects.filter(total=0).count() == 3


def test_one_member_in_six_tabs_gets_no_more_than_the_limit(offer, store, shopper, race):
    outcomes = race(6, lambda i: _claim(shopper, offer, store))
    assert len([o for o in outcomes if isinstance(o, SampleClaim)]) == 2, outcomes
    assert {o.code for o in outcomes if isinstance(o, Conflict)} == {"sample_limit"}
    assert SampleOffer.objects.get(pk=offer.pk).remaining == 1
