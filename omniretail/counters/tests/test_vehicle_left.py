"""Repair drop-off confirmed by the counter itself: its `vehicle_left` event moves a
checked-in ticket to `dropped_off` as staff would, once, under the same rule (409
`not_checked_in` before the shopper has scanned the counter), and a refused event uses up
nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.core.sms import read_sms_file
from omniretail.counters import repairs, services
from omniretail.counters.models import RepairStep, RepairTicket

pytestmark = pytest.mark.django_db

EVENTS = "/api/counters/device/events"


@pytest.fixture
def ticket(counter_setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return repairs.book_repair(
            shopper=counter_setup.member,
            counter=counter_setup.counter,
            vehicle_serial="YD2024EV0001",
            plate="浙A·D1234",
            fault="刹车异响，后轮有摩擦声",
            photos=[],
            drop_off_at=timezone.now() + timedelta(hours=1),
        )


def left(api_client, setup, seq, ticket_id):
    return api_client().post(
        EVENTS,
        {"seq": seq, "kind": "vehicle_left", "data": {"ticket": ticket_id}},
        headers=setup.device_headers,
    )


def test_the_counter_reports_the_vehicle_left_once_the_shopper_has_checked_in(
    counter_setup, ticket, api_client, django_capture_on_commit_callbacks
):
    setup = counter_setup
    repairs.check_in(shopper=setup.member, ticket=ticket, scanned=setup.counter.code)

    with django_capture_on_commit_callbacks(execute=True):
        first = left(api_client, setup, 1, ticket.public_id)
    again = left(api_client, setup, 2, ticket.public_id)

    assert first.status_code == 200
    assert first.json() == {
        "seq": 1,
        "duplicate": False,
        "last_seq": 1,
        "repair": {"ticket": ticket.public_id, "step": "dropped_off"},
    }
    assert again.json()["repair"] == {"ticket": ticket.public_id, "step": "dropped_off"}
    ticket.refresh_from_db()
    assert ticket.step == RepairTicket.Step.DROPPED_OFF
    assert RepairStep.objects.filter(ticket=ticket, step="dropped_off").count() == 1
    assert any("车辆已放在售货柜" in m["text"] for m in read_sms_file(setup.member.phone))
    # the staff's confirmation is no longer the next step: the courier is
    shopper_view = api_client(setup.member).get(f"/api/counters/repairs/{ticket.public_id}")
    assert [s["step"] for s in shopper_view.json()["timeline"]] == ["received", "dropped_off"]


def test_before_the_check_in_it_is_refused_and_the_sequence_number_is_not_used(
    counter_setup, ticket, api_client
):
    setup = counter_setup

    refused = left(api_client, setup, 1, ticket.public_id)

    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "not_checked_in"
    ticket.refresh_from_db()
    assert ticket.step == RepairTicket.Step.RECEIVED
    setup.counter.refresh_from_db()
    assert setup.counter.last_seq == 0
    repairs.check_in(shopper=setup.member, ticket=ticket, scanned=setup.counter.code)
    assert left(api_client, setup, 1, ticket.public_id).status_code == 200


def test_another_counters_ticket_or_none_is_refused_on_its_field(
    counter_setup, ticket, api_client, store
):
    setup = counter_setup
    other = services.register_counter(
        actor=setup.staff,
        store=store,
        code="HZ-002",
        name="武林广场柜",
        site_name="武林广场",
        address="杭州市下城区武林广场1号",
        lat=30.27,
        lon=120.16,
    )
    _credential, token = services.issue_credential(actor=setup.staff, counter=other)
    repairs.check_in(shopper=setup.member, ticket=ticket, scanned=setup.counter.code)

    foreign = api_client().post(
        EVENTS,
        {"seq": 1, "kind": "vehicle_left", "data": {"ticket": ticket.public_id}},
        headers={"Authorization": f"Counter {token}"},
    )
    missing = api_client().post(
        EVENTS, {"seq": 1, "kind": "vehicle_left", "data": {}}, headers=setup.device_headers
    )

    assert foreign.status_code == 422
    assert foreign.json()["error"]["code"] == "unknown_ticket"
    assert set(foreign.json()["error"]["fields"]) == {"data.ticket"}
    assert missing.status_code == 422
    assert set(missing.json()["error"]["fields"]) == {"data.ticket"}
    ticket.refresh_from_db()
    assert ticket.step == RepairTicket.Step.RECEIVED
