"""The stores API: the public search and store page, and store management scoped to the
merchants a member of staff works for."""

import pytest

from omniretail.accounts.models import Membership
from omniretail.conftest import make_staff
from omniretail.stores import services
from omniretail.stores.models import Store

from .conftest import HANGZHOU

NEARBY = "/api/stores/nearby"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "91", "lon": "120"}, "lat"),
        ({"lat": "-90.5", "lon": "120"}, "lat"),
        ({"lat": "30", "lon": "abc"}, "lon"),
        ({"lat": "30", "lon": "181"}, "lon"),
        ({"lat": "NaN", "lon": "120"}, "lat"),
        ({"lat": "30", "lon": "inf"}, "lon"),
        ({"lat": "", "lon": "120"}, "lat"),
        ({"lon": "120"}, "lat"),
        ({"lat": "30", "lon": "120", "radius_m": "100000"}, "radius_m"),
        ({"lat": "30", "lon": "120", "radius_m": "far"}, "radius_m"),
        ({"lat": "30", "lon": "120", "limit": "0"}, "limit"),
    ],
)
def test_bad_coordinates_get_a_422_naming_the_field(db, api_client, params, field):
    response = api_client().get(NEARBY, params)

    assert response.status_code == 422
    body = response.json()["error"]
    assert body["code"] == "validation_failed"
    assert field in body["fields"]


def test_nearby_lists_stores_nearest_first_with_distance_and_rating_as_text(open_store, api_client):
    far = open_store("远店", HANGZHOU[0] + 0.02, HANGZHOU[1], phone="0571-88001188")
    near = open_store("近店", HANGZHOU[0] + 0.001, HANGZHOU[1], main_products="水果、蔬菜")

    response = api_client().get(NEARBY, {"lat": HANGZHOU[0], "lon": HANGZHOU[1]})

    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == [near.public_id, far.public_id]
    assert rows[0]["distance_m"] == 111
    assert rows[0]["rating"] == "0.0"
    assert rows[0]["main_products"] == "水果、蔬菜"
    assert rows[1]["phone"] == "0571-88001188"
    assert isinstance(rows[0]["is_open_now"], bool)


def test_store_page_shows_weekly_hours_and_coming_exceptions(
    open_store, merchant_staff, api_client
):
    store = open_store()
    services.set_exception(
        actor=merchant_staff, store=store, date="2099-01-01", is_closed=True, note="元旦休息"
    )
    services.set_exception(actor=merchant_staff, store=store, date="2000-01-01", is_closed=True)

    body = api_client().get(f"/api/stores/{store.public_id}").json()

    assert body["name"] == "湖滨店"
    assert len(body["hours"]) == 7
    assert body["hours"][0] == {"weekday": 0, "opens": "09:00", "closes": "22:00"}
    assert [(e["date"], e["note"]) for e in body["exceptions"]] == [("2099-01-01", "元旦休息")]


def test_a_closed_down_store_page_is_not_found(open_store, merchant_staff, api_client):
    store = open_store()
    services.update_store(actor=merchant_staff, store=store, is_active=False)

    assert api_client().get(f"/api/stores/{store.public_id}").status_code == 404


def test_manager_opens_a_store_and_sets_its_hours_and_a_closing_day(
    merchant, merchant_staff, api_client
):
    client = api_client(merchant_staff)

    created = client.post(
        "/api/stores/manage",
        {
            "merchant": merchant.public_id,
            "name": "滨江店",
            "address": "杭州市滨江区江南大道 1 号",
            "lat": 30.21,
            "lon": 120.21,
            "phone": "13800138000",
        },
    )
    assert created.status_code == 201, created.content
    store_id = created.json()["id"]
    hours = client.put(
        f"/api/stores/manage/{store_id}/hours",
        {"hours": [{"weekday": 5, "opens": "10:00", "closes": "02:00"}]},
    )
    closing = client.post(
        f"/api/stores/manage/{store_id}/exceptions", {"date": "2099-02-01", "is_closed": True}
    )
    renamed = client.patch(f"/api/stores/manage/{store_id}", {"name": "滨江旗舰店"})

    assert hours.status_code == 200
    assert hours.json()["hours"] == [{"weekday": 5, "opens": "10:00", "closes": "02:00"}]
    assert closing.status_code == 201
    assert renamed.json()["name"] == "滨江旗舰店"
    assert [s["id"] for s in client.get("/api/stores/manage").json()] == [store_id]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 95}, "lat"),
        ({"lon": float("nan")}, "lon"),
        ({"lat": "north"}, "lat"),
        ({"phone": "call me"}, "phone"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_store_details_are_refused_with_the_field_and_nothing_is_written(
    open_store, merchant_staff, api_client, change, field
):
    store = open_store()

    response = api_client(merchant_staff).patch(f"/api/stores/manage/{store.public_id}", change)

    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    store.refresh_from_db()
    assert (store.name, store.lat, store.phone) == ("湖滨店", HANGZHOU[0], "")


def test_bad_hours_through_the_api_get_a_422(open_store, merchant_staff, api_client):
    store = open_store()

    response = api_client(merchant_staff).put(
        f"/api/stores/manage/{store.public_id}/hours",
        {"hours": [{"weekday": 9, "opens": "25:00", "closes": "10:00"}]},
    )

    assert response.status_code == 422
    assert "hours.0.weekday" in response.json()["error"]["fields"]
    assert store.hours.count() == 7


def test_another_merchants_store_is_not_found_for_reading_or_changing(
    rival_store, merchant_staff, api_client
):
    client = api_client(merchant_staff)
    base = f"/api/stores/manage/{rival_store.public_id}"

    responses = [
        client.get(base),
        client.patch(base, {"name": "被改了"}),
        client.put(f"{base}/hours", {"hours": []}),
        client.post(f"{base}/exceptions", {"date": "2099-01-01", "is_closed": True}),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    rival_store.refresh_from_db()
    assert rival_store.name == "西溪店"
    assert rival_store.hours.count() == 7
    assert not rival_store.exceptions.exists()
    assert client.get("/api/stores/manage").json() == []


def test_staff_cannot_open_a_store_for_another_merchant(other_merchant, merchant_staff, api_client):
    response = api_client(merchant_staff).post(
        "/api/stores/manage",
        {
            "merchant": other_merchant.public_id,
            "name": "冒名店",
            "address": "某地",
            "lat": 30,
            "lon": 120,
        },
    )

    assert response.status_code == 404
    assert not Store.objects.exists()


def test_a_shop_assistant_may_see_but_not_change_the_store(merchant, open_store, api_client):
    store = open_store()
    assistant = make_staff(merchant, "assistant", role=Membership.Role.STAFF)
    client = api_client(assistant)

    assert client.get(f"/api/stores/manage/{store.public_id}").status_code == 200
    assert client.patch(f"/api/stores/manage/{store.public_id}", {"name": "x"}).status_code == 403


def test_platform_operators_manage_every_merchants_stores(
    rival_store, other_merchant, platform_staff, api_client
):
    client = api_client(platform_staff)

    renamed = client.patch(f"/api/stores/manage/{rival_store.public_id}", {"district": "西湖区"})
    created = client.post(
        "/api/stores/manage",
        {
            "merchant": other_merchant.public_id,
            "name": "新店",
            "address": "某路",
            "lat": 30,
            "lon": 120,
        },
    )

    assert renamed.json()["district"] == "西湖区"
    assert created.status_code == 201


def test_managing_stores_needs_a_signed_in_user(rival_store, api_client):
    assert api_client().get("/api/stores/manage").status_code == 401


def test_the_document_says_which_days_a_weekday_may_be(client):
    """0 Monday to 6 Sunday, in the answer and the request, as a client generator reads it."""
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("HoursOut", "HoursIn"):
        assert schemas[name]["properties"]["weekday"]["enum"] == [0, 1, 2, 3, 4, 5, 6], name
