"""Hours as the console page sends them: an interval marked as not overnight must close
after it opens; an exception can be taken back."""

from datetime import date

import pytest

from omniretail.core.errors import NotFound, PermissionDenied, ValidationFailed
from omniretail.stores import services
from omniretail.stores.models import OpeningException

pytestmark = pytest.mark.django_db


def _hours(store):
    return [(h.weekday, f"{h.opens:%H:%M}", f"{h.closes:%H:%M}") for h in store.hours.all()]


def test_a_close_before_the_open_on_a_day_not_marked_overnight_is_refused(
    open_store, merchant_staff
):
    store = open_store()
    with pytest.raises(ValidationFailed) as refused:
        services.set_opening_hours(
            actor=merchant_staff,
            store=store,
            hours=[
                {"weekday": 0, "opens": "09:00", "closes": "21:00", "overnight": False},
                {"weekday": 1, "opens": "21:00", "closes": "09:00", "overnight": False},
            ],
        )
    assert "hours.1.closes" in refused.value.fields
    assert len(_hours(store)) == 7 and _hours(store)[0] == (0, "09:00", "22:00")


def test_a_night_shift_marked_overnight_and_an_all_day_opening_are_kept(open_store, merchant_staff):
    store = open_store()
    services.set_opening_hours(
        actor=merchant_staff,
        store=store,
        hours=[
            {"weekday": 4, "opens": "20:00", "closes": "02:00", "overnight": True},
            {"weekday": 5, "opens": "00:00", "closes": "00:00", "overnight": False},
        ],
    )
    assert _hours(store) == [(4, "20:00", "02:00"), (5, "00:00", "00:00")]


def test_an_exception_is_removed_by_the_merchant_only(
    open_store, merchant_staff, other_merchant_staff
):
    store = open_store()
    day = date(2027, 2, 10)
    services.set_exception(actor=merchant_staff, store=store, date=day, is_closed=True)
    with pytest.raises(PermissionDenied):
        services.remove_exception(actor=other_merchant_staff, store=store, date="2027-02-10")
    services.remove_exception(actor=merchant_staff, store=store, date="2027-02-10")
    assert not OpeningException.objects.exists()
    with pytest.raises(NotFound):
        services.remove_exception(actor=merchant_staff, store=store, date=day)


def test_the_api_refuses_a_typo_marked_not_overnight_and_reports_the_rating_count(
    open_store, merchant_staff, api_client
):
    store = open_store()
    client = api_client(merchant_staff)
    url = f"/api/stores/manage/{store.public_id}/hours"
    hours = {"hours": [{"weekday": 2, "opens": "19:00", "closes": "07:00", "overnight": False}]}
    response = client.put(url, hours)
    assert response.status_code == 422
    assert "hours.0.closes" in response.json()["error"]["fields"]
    assert len(_hours(store)) == 7

    hours["hours"][0]["overnight"] = True
    body = client.put(url, hours).json()
    assert body["hours"] == [{"weekday": 2, "opens": "19:00", "closes": "07:00"}]
    assert (body["rating"], body["rating_count"]) == ("0.0", 0)
