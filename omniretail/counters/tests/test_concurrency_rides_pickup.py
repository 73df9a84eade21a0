"""Races proven on PostgreSQL: racing test-ride bookings by one member for one product leave
one open booking (the others 409 test_ride_open); the right pickup code typed on the counter
four times at once signs one release of the vehicle."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.core.errors import Conflict
from omniretail.counters import repairs, testrides
from omniretail.counters.models import Bay, Command, RepairTicket
from omniretail.counters.models import TestRide as Ride

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_bookings_leave_one_open_test_ride(counter_setup, race):
    setup = counter_setup
    Bay.objects.filter(counter=setup.counter, number="1").update(test_ride=True)
    product = testrides.ride_product(setup.counter, setup.sku.product.public_id)
    at = timezone.now() + timedelta(days=1)

    outcomes = race(
        6,
        lambda i: testrides.book(
            member=setup.member,
            counter=setup.counter,
            product=product,
            starts_at=at + timedelta(hours=i),
            contact_name="王小明",
            contact_phone="13700000009",
        ),
    )

    assert sum(isinstance(o, Ride) for o in outcomes) == 1, outcomes
    assert all(isinstance(o, Ride | Conflict) for o in outcomes), outcomes
    assert Ride.objects.count() == 1


def test_the_right_pickup_code_typed_at_once_signs_one_release(counter_setup, race):
    setup = counter_setup
    ticket = repairs.book_repair(
        shopper=setup.member,
        counter=setup.counter,
        vehicle_serial="YD2024EV0001",
        plate="",
        fault="刹车异响",
        photos=[],
        drop_off_at=timezone.now() + timedelta(hours=1),
    )
    repairs.check_in(shopper=setup.member, ticket=ticket, scanned=setup.counter.code)
    while ticket.step != RepairTicket.Step.RETURNED:
        repairs.advance_repair(actor=setup.staff, ticket=ticket, step=ticket.next_step)

    outcomes = race(
        4, lambda i: repairs.collect_at_counter(counter=setup.counter, code=ticket.pickup_code)
    )

    assert all(isinstance(o, RepairTicket) for o in outcomes), outcomes
    assert Command.objects.filter(counter=setup.counter, kind="release").count() == 1
    assert {o.release_id for o in outcomes} == set(
        Command.objects.filter(kind="release").values_list("pk", flat=True)
    )
