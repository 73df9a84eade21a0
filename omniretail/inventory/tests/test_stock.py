import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniretail.core.errors import DomainError, NotAuthenticated, PermissionDenied, ValidationFailed
from omniretail.inventory import services
from omniretail.inventory.models import Reservation, StockLevel, StockMovement
from omniretail.inventory.services import OutOfStock

WRITES = {"UPDATE", "INSERT", "WITH"}  # WITH: PostgreSQL's data-modifying statements


def level(location, sku) -> StockLevel:
    return StockLevel.objects.get(location=location, sku=sku)


def journal_total(location, sku) -> tuple[int, int]:
    sums = StockMovement.objects.filter(location=location, sku=sku).aggregate(
        on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta")
    )
    return sums["on_hand"] or 0, sums["reserved"] or 0


@pytest.mark.django_db
def test_receipt_then_reservation_then_sale(store_location, sku, merchant_staff):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=10)
    reservation = services.reserve(location=store_location, sku=sku, quantity=3, reference="o1")
    assert (level(store_location, sku).on_hand, level(store_location, sku).reserved) == (10, 3)
    assert services.commit_reservations(reservations=[reservation]) == 1
    assert services.commit_reservations(reservations=[reservation]) == 0  # second time: nothing
    stock = level(store_location, sku)
    assert (stock.on_hand, stock.reserved) == (7, 0)


@pytest.mark.django_db
def test_an_order_s_reservations_leave_the_shelf_together_and_only_once(
    store_location, sku, sku2, merchant_staff
):
    """A paid order's lines commit in one call: the reservations close in one statement,
    one stock UPDATE per SKU, the journal in one insert (on PostgreSQL each SKU's UPDATE and
    journal row in one statement); one released meanwhile stays so."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for item in (sku, sku2):
        services.receive_stock(actor=merchant_staff, location=store_location, sku=item, quantity=9)
    held = services.reserve_lines(
        location=store_location, lines=[(sku2, 1), (sku, 2)], reference="订单 1"
    )
    with CaptureQueriesContext(connection) as ran:
        assert services.commit_reservations(reservations=held) == 2
    written = [q["sql"] for q in ran.captured_queries if q["sql"].split()[0] in WRITES]
    assert len(written) == (3 if connection.vendor == "postgresql" else 4), written
    assert [
        (level(store_location, i).on_hand, level(store_location, i).reserved) for i in (sku, sku2)
    ] == [(7, 0), (8, 0)]
    sales = StockMovement.objects.filter(kind=StockMovement.Kind.SALE).order_by("sku_id")
    assert [(m.sku_id, m.on_hand_delta, m.reserved_delta, m.reference) for m in sales] == sorted(
        [(sku.pk, -2, -2, "订单 1"), (sku2.pk, -1, -1, "订单 1")]
    )
    assert services.commit_reservations(reservations=held) == 0
    assert StockMovement.objects.filter(kind=StockMovement.Kind.SALE).count() == 2

    again = services.reserve_lines(
        location=store_location, lines=[(sku, 1), (sku2, 1)], reference="订单 2"
    )
    assert services.release_reservation(reservation=again[0])
    assert services.commit_reservations(reservations=again) == 1
    assert [
        (level(store_location, i).on_hand, level(store_location, i).reserved) for i in (sku, sku2)
    ] == [(7, 0), (7, 0)]
    for item in (sku, sku2):
        assert journal_total(store_location, item) == (level(store_location, item).on_hand, 0)


@pytest.mark.django_db
def test_reserving_more_than_is_free_is_refused_and_changes_nothing(
    store_location, sku, merchant_staff
):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=2)
    services.reserve(location=store_location, sku=sku, quantity=2, reference="a")
    with pytest.raises(OutOfStock):
        services.reserve(location=store_location, sku=sku, quantity=1, reference="b")
    assert level(store_location, sku).reserved == 2
    assert Reservation.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1, 10**9, "3", 1.5, True])
def test_bad_quantities_are_refused(store_location, sku, merchant_staff, quantity):
    with pytest.raises(ValidationFailed):
        services.receive_stock(
            actor=merchant_staff, location=store_location, sku=sku, quantity=quantity
        )
    assert not StockMovement.objects.exists()


@pytest.mark.django_db
def test_adjustment_needs_a_reason_and_cannot_go_below_reserved(
    store_location, sku, merchant_staff
):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=5)
    services.reserve(location=store_location, sku=sku, quantity=4, reference="o")
    with pytest.raises(ValidationFailed):
        services.adjust_stock(
            actor=merchant_staff, location=store_location, sku=sku, delta=-1, reason=" "
        )
    with pytest.raises(OutOfStock):
        services.adjust_stock(
            actor=merchant_staff, location=store_location, sku=sku, delta=-2, reason="破损"
        )
    services.adjust_stock(
        actor=merchant_staff, location=store_location, sku=sku, delta=-1, reason="破损"
    )
    assert level(store_location, sku).on_hand == 4


@pytest.mark.django_db
def test_expired_reservations_give_stock_back_once(store_location, sku, merchant_staff):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=5)
    services.reserve(
        location=store_location, sku=sku, quantity=5, reference="o", ttl=timedelta(seconds=1)
    )
    later = timezone.now() + timedelta(minutes=1)
    assert services.release_expired_reservations(now=later) == 1
    assert services.release_expired_reservations(now=later) == 0
    assert level(store_location, sku).reserved == 0
    assert Reservation.objects.get().status == Reservation.Status.EXPIRED


@pytest.mark.django_db
def test_transfer_moves_free_stock_only(store_location, other_store_location, sku, merchant_staff):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=3)
    services.transfer_stock(
        actor=merchant_staff,
        source=store_location,
        destination=other_store_location,
        sku=sku,
        quantity=2,
        reason="补货",
    )
    assert level(store_location, sku).on_hand == 1
    assert level(other_store_location, sku).on_hand == 2
    with pytest.raises(OutOfStock):
        services.transfer_stock(
            actor=merchant_staff,
            source=store_location,
            destination=other_store_location,
            sku=sku,
            quantity=2,
        )
    assert level(store_location, sku).on_hand == 1  # the refused transfer left no trace
    assert level(other_store_location, sku).on_hand == 2


@pytest.mark.django_db
def test_another_merchants_staff_cannot_move_this_stock(store_location, sku, other_merchant_staff):
    with pytest.raises((PermissionDenied, NotAuthenticated)):
        services.receive_stock(
            actor=other_merchant_staff, location=store_location, sku=sku, quantity=1
        )


operations = st.lists(
    st.tuples(
        st.sampled_from(["receive", "adjust", "reserve", "release", "commit", "expire"]),
        st.integers(1, 7),
    ),
    max_size=30,
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(ops=operations)
def test_the_journal_always_adds_up_to_the_level(store_location, sku, merchant_staff, ops):
    StockMovement.objects.all().delete()  # hypothesis reuses the fixture rows between examples
    Reservation.objects.all().delete()
    StockLevel.objects.all().delete()
    open_reservations = []
    for op, n in ops:
        try:
            if op == "receive":
                services.receive_stock(
                    actor=merchant_staff, location=store_location, sku=sku, quantity=n
                )
            elif op == "adjust":
                services.adjust_stock(
                    actor=merchant_staff,
                    location=store_location,
                    sku=sku,
                    delta=-n if n % 2 else n,
                    reason="盘点",
                )
            elif op == "reserve":
                open_reservations.append(
                    services.reserve(location=store_location, sku=sku, quantity=n, reference="h")
                )
            elif open_reservations:
                r = open_reservations.pop(n % len(open_reservations))
                if op == "commit":
                    services.commit_reservations(reservations=[r])
                else:
                    services.release_reservation(reservation=r, expired=op == "expire")
        except DomainError:
            pass
        stock = StockLevel.objects.filter(location=store_location, sku=sku).first()
        if stock is not None:
            assert (stock.on_hand, stock.reserved) == journal_total(store_location, sku)
            assert 0 <= stock.reserved <= stock.on_hand


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_reservations_for_twenty_units_sell_exactly_twenty(
    store_location, sku, merchant_staff, race
):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=20)
    outcomes = race(
        50,
        lambda i: services.reserve(location=store_location, sku=sku, quantity=1, reference=f"b{i}"),
    )
    assert sum(isinstance(o, Reservation) for o in outcomes) == 20
    assert sum(isinstance(o, OutOfStock) for o in outcomes) == 30
    stock = level(store_location, sku)
    assert (stock.on_hand, stock.reserved) == (20, 20)
    assert Reservation.objects.count() == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_orders_listing_the_same_skus_in_opposite_orders_never_deadlock(
    store_location, sku, sku2, merchant_staff, race
):
    for item in (sku, sku2):
        services.receive_stock(actor=merchant_staff, location=store_location, sku=item, quantity=40)

    def order(i: int):
        lines = [(sku, 1), (sku2, 1)] if i % 2 else [(sku2, 1), (sku, 1)]
        with transaction.atomic():
            reservations = services.reserve_lines(
                location=store_location, lines=lines, reference=f"o{i}"
            )
            time.sleep(0.01)  # hold both row locks long enough for the other order to collide
            return reservations

    outcomes = race(30, order)
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert (level(store_location, sku).reserved, level(store_location, sku2).reserved) == (30, 30)


def test_reservations_come_back_in_the_order_of_the_lines(
    store_location, sku, sku2, merchant_staff
):
    for item in (sku, sku2):
        services.receive_stock(actor=merchant_staff, location=store_location, sku=item, quantity=5)
    lines = sorted([(sku, 1), (sku2, 2)], key=lambda line: -line[0].pk)  # highest pk first
    reservations = services.reserve_lines(location=store_location, lines=lines, reference="o1")
    assert [(r.sku_id, r.quantity) for r in reservations] == [(s.pk, q) for s, q in lines]


@pytest.mark.django_db
def test_an_order_with_one_short_line_reserves_nothing_and_a_held_one_adds_up(
    store_location, sku, sku2, merchant_staff
):
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=5)
    services.receive_stock(actor=merchant_staff, location=store_location, sku=sku2, quantity=1)
    with pytest.raises(OutOfStock), transaction.atomic():
        services.reserve_lines(location=store_location, lines=[(sku, 2), (sku2, 2)], reference="o1")
    assert (level(store_location, sku).reserved, level(store_location, sku2).reserved) == (0, 0)
    assert not Reservation.objects.exists()
    assert journal_total(store_location, sku) == (5, 0)

    held = services.reserve_lines(
        location=store_location, lines=[(sku2, 1), (sku, 2)], reference="o2"
    )
    assert [(r.sku_id, r.quantity, r.status) for r in held] == [
        (sku2.pk, 1, Reservation.Status.ACTIVE),
        (sku.pk, 2, Reservation.Status.ACTIVE),
    ]
    stored = Reservation.objects.get(pk=held[1].pk)
    assert (stored.public_id, stored.reference, stored.expires_at) == (
        held[1].public_id,
        "o2",
        held[1].expires_at,
    )
    for item, reserved in ((sku, 2), (sku2, 1)):
        assert level(store_location, item).reserved == reserved
        assert journal_total(store_location, item) == (
            level(store_location, item).on_hand,
            reserved,
        )
    # a reservation it answered works
    assert services.commit_reservations(reservations=[held[1]]) == 1
    assert level(store_location, sku).on_hand == 3
