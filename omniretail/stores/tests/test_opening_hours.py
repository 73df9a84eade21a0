"""Whether a store is open: weekly hours in local time, overnight shifts, several intervals
a day, and dated exceptions."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from omniretail.core.errors import ValidationFailed
from omniretail.stores import services
from omniretail.stores.selectors import is_open, todays_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2026, 11, 23)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=SHANGHAI)


def on(day_offset: int, hh: int, mm: int = 0) -> datetime:
    """A local time `day_offset` days after MONDAY."""
    return local(date.fromordinal(MONDAY.toordinal() + day_offset), hh, mm)


def test_store_is_open_inside_its_weekly_hours_and_closed_outside(open_store):
    store = open_store()

    assert is_open(store, on(0, 9, 0))
    assert is_open(store, on(0, 21, 59))
    assert not is_open(store, on(0, 8, 59))
    assert not is_open(store, on(0, 22, 0))


def test_hours_are_read_in_local_time_whatever_the_timezone_of_the_instant(open_store):
    # Given a store open from 09:00 Shanghai time
    store = open_store()
    # When asked at 01:30 UTC (09:30 in Shanghai) and at 00:30 UTC (08:30)
    utc = ZoneInfo("UTC")
    # Then the first is open, the second not
    assert is_open(store, datetime(2026, 11, 23, 1, 30, tzinfo=utc))
    assert not is_open(store, datetime(2026, 11, 23, 0, 30, tzinfo=utc))


def test_a_lunch_break_closes_the_store_between_two_intervals(open_store):
    store = open_store(
        hours=[
            {"weekday": 0, "opens": "08:00", "closes": "12:00"},
            {"weekday": 0, "opens": "13:30", "closes": "20:00"},
        ]
    )

    assert is_open(store, on(0, 11, 0))
    assert not is_open(store, on(0, 12, 30))
    assert is_open(store, on(0, 14, 0))
    assert not is_open(store, on(1, 11, 0))  # no hours on Tuesday
    assert [
        (o.strftime("%H:%M"), c.strftime("%H:%M")) for o, c in todays_hours(store, on(0, 7))
    ] == [
        ("08:00", "12:00"),
        ("13:30", "20:00"),
    ]


def test_an_overnight_shift_stays_open_after_midnight_into_the_next_day(open_store):
    # Given a bar open Friday 20:00 until 02:00 on Saturday, and nothing on Saturday itself
    store = open_store(hours=[{"weekday": 4, "opens": "20:00", "closes": "02:00"}])

    assert is_open(store, on(4, 23, 30))
    assert is_open(store, on(5, 1, 59))
    assert not is_open(store, on(5, 2, 0))
    assert not is_open(store, on(4, 19, 59))
    assert not is_open(store, on(3, 1, 0))  # Thursday night has no shift


def test_midnight_to_midnight_means_open_all_day(open_store):
    store = open_store(
        hours=[{"weekday": d, "opens": "00:00", "closes": "00:00"} for d in range(7)]
    )

    assert is_open(store, on(0, 0, 0))
    assert is_open(store, on(2, 3, 17))
    assert is_open(store, on(6, 23, 59))


def test_a_closed_day_exception_closes_the_store_despite_its_weekly_hours(
    open_store, merchant_staff
):
    store = open_store()
    services.set_exception(
        actor=merchant_staff, store=store, date=MONDAY, is_closed=True, note="盘点"
    )

    assert not is_open(store, on(0, 12, 0))
    assert todays_hours(store, on(0, 12, 0)) == []
    assert is_open(store, on(1, 12, 0))


def test_special_hours_replace_the_weekly_hours_on_that_date(open_store, merchant_staff):
    store = open_store()
    services.set_exception(
        actor=merchant_staff,
        store=store,
        date=MONDAY,
        is_closed=False,
        opens="18:00",
        closes="03:00",
    )

    assert not is_open(store, on(0, 12, 0))
    assert is_open(store, on(0, 23, 0))
    assert is_open(store, on(1, 2, 30))  # the special evening runs past midnight
    assert is_open(store, on(1, 12, 0))  # Tuesday is back to the weekly hours


def test_closing_yesterday_cancels_the_overnight_shift_that_would_have_spilled_into_today(
    open_store, merchant_staff
):
    store = open_store(
        hours=[{"weekday": d, "opens": "20:00", "closes": "02:00"} for d in range(7)]
    )
    services.set_exception(actor=merchant_staff, store=store, date=MONDAY, is_closed=True)

    assert is_open(store, on(0, 1, 0))  # Sunday night's shift still runs
    assert not is_open(store, on(1, 1, 0))  # Monday's was cancelled
    assert is_open(store, on(1, 21, 0))


def test_a_second_exception_for_the_same_date_replaces_the_first(open_store, merchant_staff):
    store = open_store()
    services.set_exception(actor=merchant_staff, store=store, date=MONDAY, is_closed=True)
    services.set_exception(
        actor=merchant_staff,
        store=store,
        date=MONDAY,
        is_closed=False,
        opens="10:00",
        closes="12:00",
    )

    assert store.exceptions.count() == 1
    assert is_open(store, on(0, 11, 0))


def test_setting_hours_replaces_the_whole_week(open_store, merchant_staff):
    store = open_store()
    services.set_opening_hours(
        actor=merchant_staff,
        store=store,
        hours=[{"weekday": 6, "opens": "10:00", "closes": "16:00"}],
    )

    assert not is_open(store, on(0, 12, 0))
    assert is_open(store, on(6, 12, 0))


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({"weekday": 7, "opens": "09:00", "closes": "18:00"}, "hours.0.weekday"),
        ({"weekday": -1, "opens": "09:00", "closes": "18:00"}, "hours.0.weekday"),
        ({"weekday": "1", "opens": "09:00", "closes": "18:00"}, "hours.0.weekday"),
        ({"weekday": 1, "opens": "24:00", "closes": "18:00"}, "hours.0.opens"),
        ({"weekday": 1, "opens": "9am", "closes": "18:00"}, "hours.0.opens"),
        ({"weekday": 1, "opens": "09:00", "closes": "18:60"}, "hours.0.closes"),
    ],
)
def test_bad_hours_are_refused_with_the_field_at_fault_and_change_nothing(
    open_store, merchant_staff, item, field
):
    store = open_store()

    with pytest.raises(ValidationFailed) as refused:
        services.set_opening_hours(actor=merchant_staff, store=store, hours=[item])

    assert field in refused.value.fields
    assert store.hours.count() == 7


def test_overlapping_intervals_on_one_day_are_refused(open_store, merchant_staff):
    store = open_store()

    with pytest.raises(ValidationFailed) as refused:
        services.set_opening_hours(
            actor=merchant_staff,
            store=store,
            hours=[
                {"weekday": 2, "opens": "09:00", "closes": "14:00"},
                {"weekday": 2, "opens": "13:00", "closes": "18:00"},
            ],
        )

    assert "hours" in refused.value.fields


def test_an_open_exception_without_hours_is_refused(open_store, merchant_staff):
    store = open_store()

    with pytest.raises(ValidationFailed) as refused:
        services.set_exception(actor=merchant_staff, store=store, date=MONDAY, is_closed=False)

    assert set(refused.value.fields) == {"opens", "closes"}
    assert not store.exceptions.exists()


def test_a_slot_s_one_statement_check_agrees_with_is_open_on_every_half_hour_of_a_week(
    open_store, merchant_staff
):
    """`open_throughout` (checkout's pickup-slot check, one statement) decides as `is_open`
    does at both ends of every slot: a lunch break, night shifts, a closed day and special
    hours running past midnight."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from omniretail.stores.selectors import open_throughout

    store = open_store(
        hours=[{"weekday": d, "opens": "08:00", "closes": "12:00"} for d in range(7)]
        + [{"weekday": d, "opens": "13:30", "closes": "02:00"} for d in (0, 2, 4, 6)]
        + [{"weekday": d, "opens": "13:30", "closes": "20:00"} for d in (1, 3, 5)]
    )
    services.set_exception(actor=merchant_staff, store=store, date=MONDAY, is_closed=True)
    services.set_exception(
        actor=merchant_staff,
        store=store,
        date=date.fromordinal(MONDAY.toordinal() + 3),
        is_closed=False,
        opens="18:00",
        closes="03:00",
    )
    disagreed = []
    for half_hour in range(8 * 48):
        first = on(0, 0) + timedelta(minutes=30 * half_hour)
        last = first + timedelta(minutes=29)
        expected = is_open(store, first) and is_open(store, last)
        with CaptureQueriesContext(connection) as ran:
            if open_throughout(store, first, last) != expected:
                disagreed.append(first)
        assert len(ran.captured_queries) == 1
    assert disagreed == []
