"""Ad campaigns over JSON (/api/counters/ad-campaigns): a merchant's staff or the platform
create one with its creative, aim and schedule, read it back with its showings, change it
(checked as a whole) and delete it; another merchant's staff see none of it, and a refused
campaign stores nothing, its picture included."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from omniretail.counters import ads
from omniretail.counters.models import AdCampaign
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db

URL = "/api/counters/ad-campaigns"


def creatives() -> list[str]:
    root = Path(default_storage.location) / "ads"
    return sorted(p.name for p in root.glob("*")) if root.exists() else []


def form(setup, **over):
    now = timezone.localtime()
    return {
        "name": "双十二电动车节",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=3)).isoformat(),
        "seconds": "10",
        "counters": [setup.counter.code],
        "creative": photo("PNG", "ad.png", size=(108, 192)),
        **over,
    }


def test_staff_create_read_and_see_showings_counted(counter_setup, api_client):
    setup = counter_setup
    staff = api_client(setup.staff)

    created = staff.post_form(URL, form(setup, regions=["杭州", "宁波"]))

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["name"] == "双十二电动车节" and body["seconds"] == 10
    assert body["merchant"] == setup.counter.merchant.public_id
    assert body["counters"] == [setup.counter.code]
    assert body["regions"] == ["宁波", "杭州"]
    assert body["state"] == "running" and body["impressions"] == 0
    assert body["creative_url"].startswith("/media/ads/")
    ads.record_impressions(counter=setup.counter, campaign_ids=[body["id"]])
    ads.record_impressions(counter=setup.counter, campaign_ids=[body["id"]])
    detail = staff.get(f"{URL}/{body['id']}").json()
    assert detail["impressions"] == 2
    assert [c["id"] for c in staff.get(URL).json()] == [body["id"]]


def test_a_refused_campaign_names_every_field_and_stores_nothing(counter_setup, api_client):
    setup = counter_setup
    now = timezone.localtime()
    bad = form(
        setup,
        starts_at=now.isoformat(),
        ends_at=(now - timedelta(hours=2)).isoformat(),
        counters=["NOPE-9"],
        seconds="1",
    )
    bad.pop("creative")

    refused = api_client(setup.staff).post_form(URL, bad)

    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"ends_at", "counters", "seconds", "creative"}
    assert not AdCampaign.objects.exists()
    assert creatives() == []


def test_a_change_is_checked_as_a_whole_and_keeps_what_was_not_sent(counter_setup, api_client):
    setup = counter_setup
    staff = api_client(setup.staff)
    campaign = staff.post_form(URL, form(setup)).json()
    path = f"{URL}/{campaign['id']}"

    backwards = staff.patch(path, {"ends_at": "2020-01-01T00:00:00+08:00"})
    year_one = staff.patch(path, {"starts_at": "0001-01-01T00:00:00"})
    changed = staff.patch(path, {"seconds": 20, "regions": ["杭州"], "counters": []})

    assert backwards.status_code == 422
    assert set(backwards.json()["error"]["fields"]) == {"ends_at"}
    assert year_one.status_code == 422
    assert set(year_one.json()["error"]["fields"]) == {"starts_at"}
    assert changed.status_code == 200
    body = changed.json()
    assert (body["seconds"], body["regions"], body["counters"]) == (20, ["杭州"], [])
    assert body["name"] == campaign["name"] and body["ends_at"] == campaign["ends_at"]


def test_another_merchants_staff_see_and_change_nothing(
    counter_setup, api_client, other_merchant_staff
):
    setup = counter_setup
    campaign = api_client(setup.staff).post_form(URL, form(setup)).json()
    path = f"{URL}/{campaign['id']}"
    rival = api_client(other_merchant_staff)

    assert rival.get(URL).json() == []
    assert rival.get(path).status_code == 404
    assert rival.patch(path, {"seconds": 30}).status_code == 404
    assert rival.delete(path).status_code == 404
    aimed = rival.post_form(URL, form(setup))  # the rival's own campaign at our counter
    assert aimed.status_code == 422 and "counters" in aimed.json()["error"]["fields"]
    assert AdCampaign.objects.get().seconds == 10
    assert api_client().get(URL).status_code == 401


def test_delete_takes_it_off_the_screens_and_removes_its_picture(counter_setup, api_client):
    setup = counter_setup
    staff = api_client(setup.staff)
    campaign = staff.post_form(URL, form(setup)).json()
    assert creatives()

    deleted = staff.delete(f"{URL}/{campaign['id']}")

    assert deleted.status_code == 204
    assert staff.get(f"{URL}/{campaign['id']}").status_code == 404
    assert ads.running_for(setup.counter) == []
    assert creatives() == []


def test_the_platform_names_the_merchant(counter_setup, api_client, platform_staff):
    setup = counter_setup
    ops = api_client(platform_staff)

    unnamed = ops.post_form(URL, form(setup))
    named = ops.post_form(URL, form(setup, merchant=setup.counter.merchant.public_id))

    assert unnamed.status_code == 422 and set(unnamed.json()["error"]["fields"]) == {"merchant"}
    assert named.status_code == 201
    assert named.json()["merchant"] == setup.counter.merchant.public_id
