"""Repair drop-off photos are files the platform stored: through the page and the API a real
PNG is kept without EXIF and shown on the ticket; a link instead of a file is refused with
the rest of the form kept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.counters.models import RepairTicket
from omniretail.testing.images import photo, stored_exif

pytestmark = pytest.mark.django_db


def booking(**extra):
    return {
        "counter": "HZ-001",
        "vehicle_serial": "ev2026x009",
        "plate": "浙A9Z001",
        "fault": "后轮异响，刹车偏软",
        "drop_off_at": (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
        **extra,
    }


def test_a_repair_booking_with_a_png_shows_it_and_a_refusal_keeps_the_form(client, counter_setup):
    client.force_login(counter_setup.member)
    form = booking()
    link = client.post("/counter/repairs/new/", {**form, "photos": "https://evil.example/a.jpg"})
    assert link.status_code == 422
    body = link.content.decode()
    assert "照片请以图片文件上传，不接受链接" in body
    assert "后轮异响，刹车偏软" in body and 'value="ev2026x009"' in body and "浙A9Z001" in body

    booked = client.post("/counter/repairs/new/", {**form, "photos": photo("PNG", "车.png")})
    assert booked.status_code == 302
    page = client.get(booked.url).content.decode()
    assert page.count('data-testid="repair-photo"') == 1
    assert 'src="/media/repairs/' in page and '.png"' in page


@pytest.mark.parametrize(
    "link", ["javascript:alert(document.cookie)", "https://evil.example/a.jpg"]
)
def test_the_api_refuses_a_link_as_a_photo(counter_setup, api_client, link):
    shopper = api_client(counter_setup.member)
    response = shopper.post_form("/api/counters/repairs", booking(photos=link))
    assert response.status_code == 422
    assert "photos" in response.json()["error"]["fields"]
    assert not RepairTicket.objects.exists()


def test_the_api_stores_an_uploaded_photo_without_exif(counter_setup, api_client):
    shopper = api_client(counter_setup.member)
    response = shopper.post_form("/api/counters/repairs", booking(photos=photo()))
    assert response.status_code == 201, response.content
    (url,) = response.json()["photos"]
    (name,) = RepairTicket.objects.get().photos
    assert url == f"/media/{name}"
    exif, fmt, _size = stored_exif(name)
    assert fmt == "JPEG" and not exif
