"""A repaired vehicle returned to the counter is collected on the counter's screen (the pad's
取车 mode) with the pickup code sent by SMS: only the ticket waiting at THIS counter, once
(the counter releases it and reports it gone, test_repair_release.py);
wrong codes are refused without changing anything and cut off after five tries per counter
in ten minutes (429, even for the right code); an offline counter refuses like the unlock."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.core.sms import read_sms_file
from omniretail.counters import repairs, services
from omniretail.counters.models import Counter, RepairStep, RepairTicket, StaffTask
from omniretail.counters.tests.device import InProcessSim
from omniretail.counters.tests.test_kiosk_screen import screen_for

pytestmark = pytest.mark.django_db

PICKUP = "/counter/HZ-001/repair-pickup/"


def online(counter):
    Counter.objects.filter(pk=counter.pk).update(
        status=Counter.Status.ONLINE, last_seen_at=timezone.now()
    )


def returned_ticket(setup, counter, capture):
    """A ticket taken through every step to `returned` at `counter`, as staff do it."""
    with capture(execute=True):
        ticket = repairs.book_repair(
            shopper=setup.member,
            counter=counter,
            vehicle_serial="YD2024EV0001",
            plate="浙A·D1234",
            fault="刹车异响，后轮有摩擦声",
            photos=[],
            drop_off_at=timezone.now() + timedelta(hours=1),
        )
        repairs.check_in(shopper=setup.member, ticket=ticket, scanned=counter.code)
        while ticket.step != RepairTicket.Step.RETURNED:
            repairs.advance_repair(actor=setup.staff, ticket=ticket, step=ticket.next_step)
    return ticket


@pytest.fixture
def waiting(counter_setup, django_capture_on_commit_callbacks):
    online(counter_setup.counter)
    return returned_ticket(counter_setup, counter_setup.counter, django_capture_on_commit_callbacks)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


@pytest.mark.django_db(transaction=True)  # the device's long poll sees committed rows only
def test_the_right_code_collects_the_vehicle_once_and_tells_the_shopper(
    counter_setup, waiting, django_capture_on_commit_callbacks
):
    setup = counter_setup
    sms = [m["text"] for m in read_sms_file(setup.member.phone) if "取车码" in m["text"]]
    code = re.search(r"取车码 (\d{6})", sms[-1]).group(1)
    assert code == waiting.pickup_code and "在屏幕上选择「取车」" in sms[-1]
    screen = screen_for(setup)
    page = screen.get("/counter/HZ-001/").content.decode()
    assert 'data-testid="pad-mode-pickup"' in page and PICKUP in page

    answer = screen.post(PICKUP, {"code": code})
    device = InProcessSim(setup)  # the counter releases the vehicle and reports it gone
    device.start()
    with django_capture_on_commit_callbacks(execute=True):
        assert device.poll(0) == 1

    assert answer.status_code == 200
    assert "YD2024EV0001" in answer.content.decode() and "pickup-ok" in answer.content.decode()
    waiting.refresh_from_db()
    assert waiting.step == RepairTicket.Step.COLLECTED
    last = RepairStep.objects.filter(ticket=waiting).last()
    assert last.step == "collected" and last.actor is None and "售货柜" in last.note
    assert not StaffTask.objects.filter(
        counter=setup.counter, kind=StaffTask.Kind.REPAIR, status=StaffTask.Status.OPEN
    ).exists()
    assert any("已取车" in m["text"] for m in read_sms_file(setup.member.phone))
    # the same code again: nothing waits any more
    again = screen.post(PICKUP, {"code": code})
    assert again.status_code == 422 and "alert error" in again.content.decode()
    assert RepairStep.objects.filter(ticket=waiting, step="collected").count() == 1


def test_a_wrong_code_is_refused_and_changes_nothing(counter_setup, waiting):
    screen = screen_for(counter_setup)
    answer = screen.post(PICKUP, {"code": wrong(waiting.pickup_code)})
    assert answer.status_code == 422
    assert "取车码不正确" in answer.content.decode()
    waiting.refresh_from_db()
    assert waiting.step == RepairTicket.Step.RETURNED


def test_another_counters_ticket_is_not_collected_here(
    counter_setup, django_capture_on_commit_callbacks
):
    setup = counter_setup
    online(setup.counter)
    other = services.register_counter(
        actor=setup.staff,
        store=setup.store,
        code="HZ-002",
        name="西溪印象城柜",
        site_name="西溪印象城",
        address="杭州市余杭区五常大道1号",
        lat=30.2780,
        lon=120.0630,
    )
    ticket = returned_ticket(setup, other, django_capture_on_commit_callbacks)

    answer = screen_for(setup).post(PICKUP, {"code": ticket.pickup_code})

    assert answer.status_code == 422
    ticket.refresh_from_db()
    assert ticket.step == RepairTicket.Step.RETURNED


def test_five_wrong_codes_then_even_the_right_one_waits(counter_setup, waiting):
    screen = screen_for(counter_setup)
    statuses = [
        screen.post(PICKUP, {"code": f"{n:06d}"}).status_code
        for n in range(100000, 100007)
        if f"{n:06d}" != waiting.pickup_code
    ][:6]
    assert statuses == [422] * 5 + [429]
    right = screen.post(PICKUP, {"code": waiting.pickup_code})
    assert right.status_code == 429 and int(right["Retry-After"]) > 0
    assert "取车码错误次数过多" in right.content.decode()
    waiting.refresh_from_db()
    assert waiting.step == RepairTicket.Step.RETURNED


def test_an_offline_counter_refuses_the_pickup(counter_setup, waiting):
    Counter.objects.filter(pk=counter_setup.counter.pk).update(
        last_seen_at=timezone.now() - timedelta(hours=1)
    )
    answer = screen_for(counter_setup).post(PICKUP, {"code": waiting.pickup_code})
    assert answer.status_code == 409 and "离线" in answer.content.decode()
    waiting.refresh_from_db()
    assert waiting.step == RepairTicket.Step.RETURNED
