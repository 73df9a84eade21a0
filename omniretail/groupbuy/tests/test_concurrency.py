"""Races proven on PostgreSQL: 500 joins at once into one 10-seat group seat exactly 10;
every refused join leaves no intent, no charge and no stock moved; the group still forms,
draws and settles exactly once."""

import pytest
from django.db.models import Sum

from omniretail.core.errors import Conflict
from omniretail.groupbuy import services, settlement
from omniretail.groupbuy.models import Group, Member, Seat
from omniretail.inventory.models import StockLevel
from omniretail.ledger.models import Posting
from omniretail.payments.models import PaymentIntent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
JOINS, THREADS = 500, 100


def test_500_joins_at_once_into_a_10_seat_group_seat_exactly_10(groupbuys, race):
    campaign = groupbuys.campaign(quantity=1, group_size=10, winners_per_group=1)
    shoppers = [groupbuys.shopper(i, wallet="100.00") for i in range(JOINS)]
    level = StockLevel.objects.get(location=groupbuys.location, sku=groupbuys.sku)

    def join_and_pay(i):
        member = services.join(shopper=shoppers[i], campaign=campaign, provider="balance")
        services.start_payment(member=member)
        return member

    outcomes = race(JOINS, join_and_pay, threads=THREADS)

    seated = [o for o in outcomes if isinstance(o, Member)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(seated) == 10, [o for o in outcomes if not isinstance(o, Member | Conflict)][:3]
    assert len(refused) == 490 and {e.code for e in refused} == {"campaign_full"}
    assert Seat.objects.filter(campaign=campaign, taken=True).count() == 10
    assert Member.objects.filter(campaign=campaign).count() == 10
    assert PaymentIntent.objects.filter(purpose="groupbuy").count() == 10  # none for refusals

    settlement.finish_formed_groups()  # the sweep, in case the inline draw was interrupted
    group = Group.objects.get(campaign=campaign)
    assert group.status == Group.Status.SETTLED and group.paid_count == 10
    assert len(group.member_list) == 10 and len(group.winners) == 1
    # no double charge: 10 payments, 9 refunds, nobody charged twice
    charges = Posting.objects.filter(kind="payment").values("debit_id").annotate(n=Sum("amount"))
    assert sorted(c["n"] for c in charges) == [1990] * 10
    assert PaymentIntent.objects.filter(purpose="groupbuy", status="refunded").count() == 9
    refused_ids = {s.pk for s in shoppers} - {m.shopper_id for m in seated}
    assert not PaymentIntent.objects.filter(payer_id__in=refused_ids).exists()
    # stock: the one held unit went to the winner's order, nothing else moved
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (199, 0)


def test_one_shopper_joining_from_eight_tabs_at_once_gets_one_seat(groupbuys, race):
    campaign = groupbuys.campaign(quantity=3)
    shopper = groupbuys.shopper(1)

    outcomes = race(
        8, lambda i: services.join(shopper=shopper, campaign=campaign, provider="balance")
    )

    assert sum(isinstance(o, Member) for o in outcomes) == 1
    assert {o.code for o in outcomes if not isinstance(o, Member)} == {"already_joined"}
    assert Seat.objects.filter(campaign=campaign, taken=True).count() == 1
    assert PaymentIntent.objects.filter(payer=shopper).count() == 1


def test_sweeps_racing_in_four_workers_settle_a_formed_group_once(groupbuys, race, monkeypatch):
    campaign = groupbuys.campaign(quantity=1)
    with monkeypatch.context() as crash:  # the worker dies right after the group forms
        crash.setattr(settlement, "finish_group", lambda **kw: None)
        for i in range(3):
            member = services.join(
                shopper=groupbuys.shopper(i), campaign=campaign, provider="balance"
            )
            services.start_payment(member=member)
    assert Group.objects.get(campaign=campaign).status == Group.Status.FULL

    outcomes = race(4, lambda i: settlement.finish_formed_groups())

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    group = Group.objects.get(campaign=campaign)
    assert group.status == Group.Status.SETTLED
    assert Member.objects.filter(status="voucher_issued").count() == 1
    assert PaymentIntent.objects.filter(status="refunded").count() == 2
