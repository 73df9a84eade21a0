"""Races proven on PostgreSQL: a device retrying the same event from several connections at
once is counted once; racing door-close reports settle a vend once (one refund); racing
sweeps expire an uncollected unlock and refund it once; racing polls deliver a command once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.counters import commands, device, vending
from omniretail.counters.models import Command, Counter, DeviceEvent, Vend
from omniretail.payments.models import Refund

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _buy(setup, quantity=2):
    Counter.objects.filter(pk=setup.counter.pk).update(
        status=Counter.Status.ONLINE, last_seen_at=timezone.now()
    )  # heard from just now
    setup.counter.refresh_from_db()
    vend, _started = vending.start_purchase(
        shopper=setup.member, counter=setup.counter, bay_number="1", quantity=quantity
    )
    vend.refresh_from_db()
    return vend


def test_the_same_event_sent_eight_times_at_once_counts_once(counter_setup, race):
    counter = counter_setup.counter
    outcomes = race(
        8, lambda i: device.record_event(counter=counter, seq=7, kind="fault", data={"r": "x"})
    )
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert sum(1 for o in outcomes if not o["duplicate"]) == 1
    assert DeviceEvent.objects.count() == 1


def test_racing_door_close_reports_settle_a_vend_once(counter_setup, race):
    setup = counter_setup
    vend = _buy(setup)
    commands.claim(counter=setup.counter)
    report = {"bays": [{"bay": "1", "quantity": 3}, {"bay": "2", "quantity": 2}]}  # took 1

    outcomes = race(
        6,
        lambda i: device.record_event(
            counter=setup.counter, seq=100 + i, kind="door_closed", data=report
        ),
    )

    # a report overtaken by a newer sequence number is refused as stale: also correct
    assert all(isinstance(o, dict | device.StaleSequence) for o in outcomes), outcomes
    assert sum(1 for o in outcomes if isinstance(o, dict) and o["settled"]) == 1
    vend.refresh_from_db()
    assert vend.status == Vend.Status.COMPLETED and vend.taken == 1
    assert Refund.objects.count() == 1 and Refund.objects.get().amount == setup.sku.price


def test_racing_sweeps_refund_an_uncollected_unlock_once(counter_setup, race):
    setup = counter_setup
    vend = _buy(setup, quantity=1)
    later = timezone.now() + timedelta(seconds=20)
    outcomes = race(4, lambda i: vending.expire_unlocks(now=later))
    assert sum(outcomes) == 1, outcomes
    vend.refresh_from_db()
    assert vend.status == Vend.Status.REFUNDED and Refund.objects.count() == 1


def test_racing_polls_deliver_a_command_once(counter_setup, race):
    setup = counter_setup
    _buy(setup, quantity=1)
    outcomes = race(6, lambda i: [c.pk for c in commands.claim(counter=setup.counter)])
    assert sum(len(o) for o in outcomes) == 1, outcomes
    assert Command.objects.get().status == Command.Status.DELIVERED
