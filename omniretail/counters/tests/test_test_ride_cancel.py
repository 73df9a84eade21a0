"""我的试驾: a shopper finds their test rides from 我的, and cancels one before its time from
that list (a conditional update: the store's page then shows it cancelled, and the shopper
gets an SMS as at the other steps). Someone else's ride is not found; a ride whose time has
come cannot be cancelled."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from omniretail.core.sms import read_sms_file
from omniretail.counters.models import TestRide as Ride
from omniretail.counters.tests.test_test_rides import book, tomorrow_at

pytestmark = pytest.mark.django_db


def test_me_links_my_test_rides_and_the_list_cancels_one_with_an_sms(
    ride_setup, django_capture_on_commit_callbacks
):
    setup = ride_setup
    assert book(setup, tomorrow_at(10)).status_code == 200
    ride = Ride.objects.get()

    me = setup.shopper.get("/me/").content.decode()
    assert 'href="/me/test-rides/"' in me and "我的试驾" in me
    page = setup.shopper.get("/me/test-rides/").content.decode()
    assert setup.sku.product.name in page and "待确认" in page
    assert f'action="/me/test-rides/{ride.public_id}/cancel/"' in page

    with django_capture_on_commit_callbacks(execute=True):
        answer = setup.shopper.post(f"/me/test-rides/{ride.public_id}/cancel/")
    assert answer.status_code == 302 and answer["Location"] == "/me/test-rides/"
    ride.refresh_from_db()
    assert ride.status == "cancelled"
    assert any("已取消" in m["text"] and "试驾" in m["text"] for m in read_sms_file("13700000009"))
    after = setup.shopper.get("/me/test-rides/").content.decode()
    assert "已取消" in after and f"/me/test-rides/{ride.public_id}/cancel/" not in after

    # the store sees it cancelled and can no longer confirm it
    staff = Client()
    staff.force_login(setup.staff)
    listing = staff.get("/ops/counter-test-rides/").content.decode()
    assert "已取消" in listing and f"confirm-{ride.public_id}" not in listing
    refused = staff.post(f"/ops/counter-test-rides/{ride.public_id}/", {"status": "confirmed"})
    assert refused.status_code == 409
    # cancelled twice: refused, still cancelled; and the product may be booked again
    again = setup.shopper.post(f"/me/test-rides/{ride.public_id}/cancel/")
    assert again.status_code == 409
    assert book(setup, tomorrow_at(11)).status_code == 200


def test_someone_elses_ride_is_not_found(ride_setup):
    setup = ride_setup
    assert book(setup, tomorrow_at(10)).status_code == 200
    ride = Ride.objects.get()
    other = Client()
    other.force_login(setup.staff)  # signed in, but not the ride's member
    assert ride.public_id not in other.get("/me/test-rides/").content.decode()
    answer = other.post(f"/me/test-rides/{ride.public_id}/cancel/")
    assert answer.status_code == 404
    ride.refresh_from_db()
    assert ride.status == "booked"


def test_a_ride_whose_time_has_come_cannot_be_cancelled(ride_setup):
    setup = ride_setup
    assert book(setup, tomorrow_at(10)).status_code == 200
    ride = Ride.objects.get()
    Ride.objects.filter(pk=ride.pk).update(
        status="confirmed", starts_at=timezone.now() - timedelta(minutes=5)
    )
    page = setup.shopper.get("/me/test-rides/").content.decode()
    assert f"/me/test-rides/{ride.public_id}/cancel/" not in page  # no button offered
    answer = setup.shopper.post(f"/me/test-rides/{ride.public_id}/cancel/")
    assert answer.status_code == 409
    assert "试驾时间已到" in answer.content.decode()
    ride.refresh_from_db()
    assert ride.status == "confirmed"


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/me/test-rides/").status_code == 302
