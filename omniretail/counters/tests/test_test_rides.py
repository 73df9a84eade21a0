"""Test rides (试驾) from the kiosk: a vehicle bay flagged `test_ride` shows a 预约试驾 QR;
the signed-in shopper books a time when the serving store is open (not in the past), one open
booking per product, and gets an SMS; the store confirms on its console page (SMS again),
then marks it done or a no-show."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from omniretail.core.sms import read_sms_file
from omniretail.counters.models import Counter
from omniretail.counters.models import TestRide as Ride
from omniretail.counters.tests.test_kiosk_screen import fragment, screen_for
from omniretail.counters.tests.test_ops_pages import registration
from omniretail.stores import services as stores

pytestmark = pytest.mark.django_db


def tomorrow_at(hour: int) -> str:
    day = timezone.localdate() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, 0).strftime("%Y-%m-%dT%H:%M")


def book(setup, at, **extra):
    data = {"starts_at": at, "contact_name": "王小明", "contact_phone": "13700000009", **extra}
    return setup.shopper.post(setup.url, data)


def test_the_kiosk_shows_a_test_ride_qr_only_on_the_flagged_vehicle(ride_setup):
    page = fragment(screen_for(ride_setup))
    assert page.count('data-testid="test-ride-qr"') == 1
    assert "扫码预约试驾" in page


def test_a_shopper_books_and_the_store_confirms_with_an_sms_each_time(
    ride_setup, django_capture_on_commit_callbacks
):
    setup = ride_setup
    with django_capture_on_commit_callbacks(execute=True):
        answer = book(setup, tomorrow_at(10))
    assert answer.status_code == 200 and 'data-testid="test-ride-booked"' in answer.content.decode()
    ride = Ride.objects.get()
    assert ride.status == "booked" and ride.store == setup.store
    assert any(
        "试驾" in m["text"] and "等待门店确认" in m["text"] for m in read_sms_file("13700000009")
    )

    staff = Client()
    staff.force_login(setup.staff)
    listing = staff.get("/ops/counter-test-rides/").content.decode()
    assert "王小明" in listing and f"confirm-{ride.public_id}" in listing
    with django_capture_on_commit_callbacks(execute=True):
        moved = staff.post(f"/ops/counter-test-rides/{ride.public_id}/", {"status": "confirmed"})
    assert moved.status_code == 302
    assert any("门店已确认" in m["text"] for m in read_sms_file("13700000009"))
    # done only after confirmation; done twice is refused
    assert (
        staff.post(f"/ops/counter-test-rides/{ride.public_id}/", {"status": "done"}).status_code
        == 302
    )
    again = staff.post(f"/ops/counter-test-rides/{ride.public_id}/", {"status": "no_show"})
    assert again.status_code == 409
    ride.refresh_from_db()
    assert ride.status == "done"


def test_one_open_booking_per_product(ride_setup):
    assert book(ride_setup, tomorrow_at(10)).status_code == 200
    second = book(ride_setup, tomorrow_at(15))
    assert second.status_code == 409 and "您已预约该车型的试驾" in second.content.decode()
    assert Ride.objects.count() == 1


def test_a_time_in_the_past_or_when_the_store_is_closed_is_refused(ride_setup):
    past = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    assert book(ride_setup, past).status_code == 422
    stores.set_opening_hours(
        actor=ride_setup.staff,
        store=ride_setup.store,
        hours=[{"weekday": d, "opens": "09:00", "closes": "18:00"} for d in range(7)],
    )
    closed = book(ride_setup, tomorrow_at(20))
    assert closed.status_code == 422 and "门店此时不营业" in closed.content.decode()
    assert book(ride_setup, tomorrow_at(10), contact_phone="12345").status_code == 422
    assert Ride.objects.count() == 0


def test_a_product_without_test_rides_has_no_booking_page(ride_setup):
    url = f"/counter/HZ-001/test-ride/{ride_setup.sku2.product.public_id}/"
    assert ride_setup.shopper.get(url).status_code == 404


def test_a_shopper_cannot_move_a_booking(ride_setup):
    assert book(ride_setup, tomorrow_at(10)).status_code == 200
    ride = Ride.objects.get()
    stranger = Client()
    stranger.force_login(ride_setup.member)  # a shopper, not the store's staff
    answer = stranger.post(f"/ops/counter-test-rides/{ride.public_id}/", {"status": "confirmed"})
    assert answer.status_code == 403
    ride.refresh_from_db()
    assert ride.status == "booked"


def test_the_registration_page_and_the_api_flag_a_bay_for_test_rides(ride_setup, api_client):
    staff = Client()
    staff.force_login(ride_setup.staff)
    answer = staff.post("/ops/counters/new/", registration(ride_setup, **{"bay-0-test_ride": "on"}))
    assert answer.status_code == 302
    flags = dict(Counter.objects.get(code="HZ-WL-09").bays.values_list("number", "test_ride"))
    assert flags == {"1": True, "2": False}
    shelf = api_client(ride_setup.staff).get("/api/counters/HZ-001").json()
    assert {b["bay"]: b["test_ride"] for b in shelf["bays"]} == {"1": True, "2": False}
