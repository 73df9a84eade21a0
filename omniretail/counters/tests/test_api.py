"""Registering a counter through the API: bays, a credential shown once (only its hash is
kept), revocation, and the scoping of another merchant."""

import pytest

from omniretail.counters.models import Credential

pytestmark = pytest.mark.django_db


def test_staff_register_a_counter_and_its_credential_works_once_issued(
    api_client, merchant_staff, store, sku, other_merchant_staff
):
    staff = api_client(merchant_staff)
    resp = staff.post(
        "/api/counters/",
        {
            "store": store.public_id,
            "code": "hz-009",
            "name": "社区柜",
            "site_name": "翠苑社区",
            "address": "杭州市西湖区",
            "lat": 30.29,
            "lon": 120.13,
            "content": {"spins": [["https://example.com/1.jpg", "https://example.com/2.jpg"]]},
        },
    )
    assert resp.status_code == 201 and resp.json()["code"] == "HZ-009"
    assert (
        staff.post("/api/counters/HZ-009/bays", {"number": "1", "sku": sku.public_id}).status_code
        == 201
    )
    issued = staff.post("/api/counters/HZ-009/credentials").json()
    secret = issued["token"].split(".", 1)[1]
    stored = Credential.objects.get(key_id=issued["key_id"])
    assert secret not in stored.secret_hash and len(issued["command_key"]) == 64
    device = {"Authorization": f"Counter {issued['token']}"}
    config = api_client().get("/api/counters/device/config", headers=device).json()
    assert [b["bay"] for b in config["bays"]] == ["1"]
    assert issued["token"] not in str(staff.get("/api/counters/").json())
    staff.post(f"/api/counters/HZ-009/credentials/{issued['key_id']}/revoke")
    assert api_client().get("/api/counters/device/config", headers=device).status_code == 403
    rival = api_client(other_merchant_staff)
    assert rival.post("/api/counters/HZ-009/credentials").status_code == 404
    assert rival.get("/api/counters/").json() == []


def test_bad_registration_input_is_refused(api_client, merchant_staff, store):
    staff = api_client(merchant_staff)
    base = {
        "store": store.public_id,
        "code": "X1",
        "name": "柜",
        "site_name": "场",
        "address": "址",
    }
    assert staff.post("/api/counters/", {**base, "lat": 95, "lon": 120}).status_code == 422
    bad_link = {**base, "lat": 30, "lon": 120, "content": {"videos": ["javascript:alert(1)"]}}
    assert staff.post("/api/counters/", bad_link).status_code == 422
    assert (
        staff.post("/api/counters/", {**base, "code": "a b", "lat": 30, "lon": 120}).status_code
        == 422
    )
    assert staff.get("/api/counters/").json() == []
