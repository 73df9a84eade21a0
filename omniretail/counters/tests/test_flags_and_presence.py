"""A flag (tamper alarm, door left open) stays until it is resolved by a documented means:
staff clear it with a reason, and a late door-close report resolves a door flag. A counter
that has not been heard from within OMNI_COUNTER_OFFLINE_S sells nothing, whatever its
stored status says (leaving maintenance does not make it look online)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.counters import vending
from omniretail.counters.models import Counter, FlagClearance, Vend
from omniretail.counters.tests.device import InProcessSim

pytestmark = pytest.mark.django_db(transaction=True)


def started(setup) -> InProcessSim:
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    return sim


def counter_of(setup) -> Counter:
    return Counter.objects.get(pk=setup.counter.pk)


def buy(setup, api_client, key="flags"):
    return api_client(setup.member).post(
        f"/api/counters/{setup.counter.code}/purchases",
        {"bay": "1"},
        headers={"Idempotency-Key": key},
    )


def test_staff_clear_a_tamper_flag_with_a_reason(counter_setup, api_client, other_merchant_staff):
    setup = counter_setup
    sim = started(setup)
    sim.report_fault("tamper: 摄像头被遮挡")
    sim.report_fault(None)  # the device's all-clear ends the fault, not the alarm
    assert counter_of(setup).status == Counter.Status.ONLINE
    assert counter_of(setup).flagged_at is not None
    url = f"/api/counters/{setup.counter.code}/flag/clear"
    staff = api_client(setup.staff)

    no_reason = staff.post(url, {"reason": "  "})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["error"]["fields"]
    assert api_client(other_merchant_staff).post(url, {"reason": "x"}).status_code == 404
    assert counter_of(setup).flagged_at is not None

    resp = staff.post(url, {"reason": "到场检查，镜头已清理"})
    assert resp.status_code == 200 and resp.json()["flagged"] is False
    cleared = FlagClearance.objects.get()
    assert cleared.reason == "到场检查，镜头已清理" and cleared.flag_reason.startswith("摄像头")
    assert cleared.cleared_by == setup.staff

    again = staff.post(url, {"reason": "再次"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_flagged"
    assert FlagClearance.objects.count() == 1


def test_a_late_door_close_resolves_the_door_flag(counter_setup, api_client):
    setup = counter_setup
    sim = started(setup)
    sim.leave_door_open = True
    assert buy(setup, api_client).status_code == 201
    sim.poll(0)
    vending.flag_unclosed_doors(now=timezone.now() + timedelta(seconds=200))
    assert counter_of(setup).flagged_at is not None
    sim.leave_door_open = False
    sim.close_door()
    assert counter_of(setup).flagged_at is None


def test_a_door_close_does_not_resolve_a_tamper_flag(counter_setup, api_client):
    setup = counter_setup
    sim = started(setup)
    sim.leave_door_open = True
    assert buy(setup, api_client).status_code == 201
    sim.poll(0)
    vending.flag_unclosed_doors(now=timezone.now() + timedelta(seconds=200))
    sim.send("tamper", {"reason": "tamper: 柜门被撬"})
    sim.leave_door_open = False
    sim.close_door()
    assert counter_of(setup).flagged_at is not None
    assert "柜门被撬" in counter_of(setup).flag_reason


def test_leaving_maintenance_does_not_make_a_silent_counter_look_online(counter_setup, api_client):
    setup = counter_setup
    started(setup)
    staff = api_client(setup.staff)
    code = setup.counter.code
    assert staff.post(f"/api/counters/{code}/maintenance", {"on": True}).status_code == 200
    Counter.objects.filter(pk=setup.counter.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=30)
    )
    resp = staff.post(f"/api/counters/{code}/maintenance", {"on": False})
    assert resp.json()["status"] == "offline"
    refused = buy(setup, api_client)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "counter_unavailable"
    assert not Vend.objects.exists()


def test_a_counter_silent_past_the_window_sells_nothing_before_the_sweep_runs(
    counter_setup, api_client, settings
):
    setup = counter_setup
    sim = started(setup)
    Counter.objects.filter(pk=setup.counter.pk).update(
        last_seen_at=timezone.now() - timedelta(seconds=settings.OMNI_COUNTER_OFFLINE_S + 1)
    )
    assert counter_of(setup).status == Counter.Status.ONLINE  # the sweep has not run yet
    assert api_client().get(f"/api/counters/{setup.counter.code}").json()["status"] == "offline"
    refused = buy(setup, api_client)
    assert refused.status_code == 409
    assert refused.json()["error"]["details"] == {"status": "offline"}
    sim.heartbeat()
    assert buy(setup, api_client, key="flags-2").status_code == 201
