"""Bad input from devices and shoppers: a clear 4xx with a code, and nothing changed."""

import pytest
from django.utils import timezone

from omniretail.counters import services
from omniretail.counters.models import Counter, DeviceEvent, Vend


def device_post(client, setup, body, token=None):
    return client.post(
        "/api/counters/device/events",
        body,
        headers={"Authorization": f"Counter {token or setup.token}"},
    )


@pytest.fixture
def device(counter_setup, api_client):
    return api_client()


def last_seq(setup) -> int:
    return Counter.objects.get(pk=setup.counter.pk).last_seq


def test_unknown_counter_is_not_found(counter_setup, api_client):
    assert api_client().get("/api/counters/NOPE-9").json()["error"]["code"] == "unknown_counter"
    resp = api_client(counter_setup.member).post("/api/counters/NOPE-9/purchases", {"bay": "1"})
    assert resp.status_code == 404 and Vend.objects.count() == 0


def test_unknown_or_malformed_credential_is_401(counter_setup, device):
    for token in ("ck_0000.wrong", "garbage"):
        resp = device_post(device, counter_setup, {"seq": 1, "kind": "heartbeat"}, token=token)
        assert resp.status_code == 401
    assert DeviceEvent.objects.count() == 0


def test_revoked_credential_is_refused_and_changes_nothing(counter_setup, device):
    setup = counter_setup
    key_id = setup.token.split(".")[0]
    services.revoke_credential(actor=setup.staff, counter=setup.counter, key_id=key_id)
    resp = device_post(device, setup, {"seq": 1, "kind": "heartbeat"})
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "credential_revoked"
    assert last_seq(setup) == 0 and DeviceEvent.objects.count() == 0


def test_a_retry_is_a_duplicate_and_an_older_sequence_is_refused(counter_setup, device):
    setup = counter_setup
    assert device_post(device, setup, {"seq": 5, "kind": "heartbeat"}).json()["duplicate"] is False
    again = device_post(device, setup, {"seq": 5, "kind": "heartbeat"})
    assert again.status_code == 200 and again.json()["duplicate"] is True
    old = device_post(device, setup, {"seq": 3, "kind": "fault", "data": {"reason": "x"}})
    assert old.status_code == 409 and old.json()["error"]["code"] == "stale_sequence"
    reused = device_post(device, setup, {"seq": 5, "kind": "fault", "data": {"reason": "x"}})
    assert reused.status_code == 409
    assert last_seq(setup) == 5 and DeviceEvent.objects.count() == 1
    assert Counter.objects.get(pk=setup.counter.pk).status == Counter.Status.ONLINE


def test_a_bay_that_does_not_exist_is_refused_and_changes_nothing(counter_setup, device):
    setup = counter_setup
    for body in (
        {"seq": 1, "kind": "door_closed", "data": {"bays": [{"bay": "9", "quantity": 1}]}},
        {"seq": 1, "kind": "door_opened", "data": {"bay": "9"}},
        {"seq": 1, "kind": "door_closed", "data": {"bays": [{"bay": "1", "quantity": -1}]}},
        {"seq": 0, "kind": "heartbeat"},
        {"seq": 1, "kind": "explode"},
    ):
        resp = device_post(device, setup, body)
        assert resp.status_code == 422, body
    assert last_seq(setup) == 0 and DeviceEvent.objects.count() == 0
    staff_resp = device.post(
        "/api/counters/device/unlock-code",
        {"code": "123456"},
        headers={"Authorization": f"Counter {setup.token}"},
    )
    assert staff_resp.status_code == 422


def test_buying_from_a_missing_bay_or_too_many_is_refused(counter_setup, api_client):
    setup = counter_setup
    Counter.objects.filter(pk=setup.counter.pk).update(
        status=Counter.Status.ONLINE, last_seen_at=timezone.now()
    )  # heard from just now
    shopper = api_client(setup.member)
    assert shopper.post("/api/counters/HZ-001/purchases", {"bay": "9"}).status_code == 404
    assert (
        shopper.post("/api/counters/HZ-001/purchases", {"bay": "1", "quantity": 0}).status_code
        == 422
    )
    too_many = shopper.post("/api/counters/HZ-001/purchases", {"bay": "2", "quantity": 3})
    assert too_many.status_code == 409 and too_many.json()["error"]["code"] == "out_of_stock"
    assert Vend.objects.count() == 0


def test_staff_cannot_send_an_unlock_and_other_merchants_see_no_counter(
    counter_setup, api_client, other_merchant_staff
):
    staff = api_client(counter_setup.staff)
    resp = staff.post("/api/counters/HZ-001/commands", {"kind": "unlock"})
    assert resp.status_code == 422
    assert (
        api_client(other_merchant_staff)
        .post("/api/counters/HZ-001/commands", {"kind": "reboot"})
        .status_code
        == 404
    )


def test_the_kiosk_screen_needs_a_pairing(counter_setup, client):
    assert client.get("/counter/HZ-001/").status_code == 403
    assert client.get("/counter/HZ-001/pair/not-a-token/").status_code == 403
    assert client.get("/counter/NOPE/").status_code == 404


def test_a_heartbeat_costs_a_fixed_handful_of_queries(
    counter_setup, device, django_assert_max_num_queries
):
    """The hot path of 1,000 counters: credential, sequence claim, journal row (and the
    transaction's savepoint pair inside the test's own transaction)."""
    device_post(device, counter_setup, {"seq": 1, "kind": "heartbeat"})
    with django_assert_max_num_queries(5):
        resp = device_post(device, counter_setup, {"seq": 2, "kind": "heartbeat"})
    assert resp.status_code == 200
