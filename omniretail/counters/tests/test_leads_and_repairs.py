"""Scan leads (recorded, attached at login, converted by a paid order, followed up by
customer service) and repair drop-offs (nearest counter, ticket timeline, the shopper told
at each step)."""

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from omniretail.core.sms import read_sms_file
from omniretail.counters import leads, repairs, vending
from omniretail.counters.models import Counter, RepairTicket, ScanLead, StaffTask
from omniretail.counters.tests.device import InProcessSim

pytestmark = pytest.mark.django_db


def test_a_guest_scan_becomes_the_members_lead_at_login_and_converts_on_purchase(
    counter_setup, django_capture_on_commit_callbacks
):
    setup = counter_setup
    session = SessionStore()
    session.create()
    product = setup.sku.product
    lead = leads.record_scan(counter=setup.counter, product=product, session=session)
    assert leads.record_scan(counter=setup.counter, product=product, session=session) == lead
    assert leads.attach_to_user(session=session, user=setup.member) == 1
    Counter.objects.filter(pk=setup.counter.pk).update(
        status=Counter.Status.ONLINE, last_seen_at=timezone.now()
    )  # heard from just now
    setup.counter.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        vending.start_purchase(
            shopper=setup.member, counter=setup.counter, bay_number="1", quantity=1
        )
    lead.refresh_from_db()
    assert lead.status == ScanLead.Status.CONVERTED and lead.order is not None
    assert lead.counter == setup.counter


def test_customer_service_follows_up_leads_of_their_counters_only(
    counter_setup, api_client, other_merchant_staff
):
    setup = counter_setup
    lead = leads.record_scan(counter=setup.counter, product=setup.sku.product, user=setup.member)
    staff = api_client(setup.staff)
    rows = staff.get("/api/counters/leads").json()
    assert [r["id"] for r in rows] == [lead.public_id] and rows[0]["phone"] == setup.member.phone
    resp = staff.post(
        f"/api/counters/leads/{lead.public_id}", {"status": "contacted", "note": "已电话"}
    )
    assert resp.json()["status"] == "contacted"
    assert (
        staff.post(f"/api/counters/leads/{lead.public_id}", {"status": "converted"}).status_code
        == 422
    )
    assert api_client(other_merchant_staff).get("/api/counters/leads").json() == []


def test_repair_drop_off_at_the_nearest_counter_moves_step_by_step(counter_setup, api_client):
    setup = counter_setup
    nearby = api_client().get("/api/counters/nearby", {"lat": 30.2591, "lon": 120.1651}).json()
    assert nearby[0]["code"] == "HZ-001" and nearby[0]["distance_m"] < 50
    shopper = api_client(setup.member)
    resp = shopper.post_form(
        "/api/counters/repairs",
        {
            "counter": "HZ-001",
            "vehicle_serial": "ev2026x001",
            "plate": "浙a12345",
            "fault": "刹车异响",
            "drop_off_at": (timezone.now() + timedelta(hours=2)).isoformat(),
        },
    )
    assert resp.status_code == 201, resp.json()
    ticket_id = resp.json()["id"]
    assert StaffTask.objects.get(kind=StaffTask.Kind.REPAIR).status == "open"
    staff = api_client(setup.staff)
    skip = staff.post(f"/api/counters/repairs/{ticket_id}/advance", {"step": "repairing"})
    assert skip.status_code == 409
    early = staff.post(f"/api/counters/repairs/{ticket_id}/advance", {"step": "dropped_off"})
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_checked_in"
    checked = shopper.post(f"/api/counters/repairs/{ticket_id}/check-in", {"scanned": "HZ-001"})
    assert checked.status_code == 200 and checked.json()["checked_in_at"]
    for step in ("dropped_off", "pickup_dispatched", "repairing", "returned"):
        assert (
            staff.post(f"/api/counters/repairs/{ticket_id}/advance", {"step": step}).status_code
            == 200
        )
    code = shopper.get(f"/api/counters/repairs/{ticket_id}").json()["pickup_code"]
    assert staff.get(f"/api/counters/repairs/{ticket_id}").json()["pickup_code"] == ""
    handed = staff.post(
        f"/api/counters/repairs/{ticket_id}/advance", {"step": "collected", "code": code}
    )
    assert handed.status_code == 200
    body = shopper.get(f"/api/counters/repairs/{ticket_id}").json()
    assert [s["step"] for s in body["timeline"]] == [
        "received",
        "dropped_off",
        "pickup_dispatched",
        "repairing",
        "returned",
        "collected",
    ]
    assert RepairTicket.objects.get().step == "collected"
    assert StaffTask.objects.get(kind=StaffTask.Kind.REPAIR).status == "done"
    assert (
        shopper.post(f"/api/counters/repairs/{ticket_id}/advance", {"step": "returned"}).status_code
        == 403
    )


def test_repairs_tell_the_shopper_at_each_step(counter_setup, django_capture_on_commit_callbacks):
    setup = counter_setup
    with django_capture_on_commit_callbacks(execute=True):
        ticket = repairs.book_repair(
            shopper=setup.member,
            counter=setup.counter,
            vehicle_serial="EV1",
            plate="",
            fault="不充电",
            photos=[],
            drop_off_at=timezone.now() + timedelta(hours=1),
        )
        repairs.check_in(shopper=setup.member, ticket=ticket, scanned="HZ-001")
        repairs.advance_repair(actor=setup.staff, ticket=ticket, step="dropped_off")
        repairs.advance_repair(actor=setup.staff, ticket=ticket, step="pickup_dispatched")
    texts = [m["text"] for m in read_sms_file(setup.member.phone)]
    assert any("维修预约已登记" in t for t in texts)
    assert any("已派人取车" in t for t in texts)


def test_repair_journey_from_the_counter_page_to_collection_with_an_sms_at_each_step(
    counter_setup, client, django_capture_on_commit_callbacks
):
    """The shopper finds the counter from 我的 and from the counter's page, books, checks in
    there by scanning, and collects with the code the last SMS gave; the store's staff
    confirm the drop-off, send the courier, repair and bring it back to the counter."""
    setup = counter_setup
    client.force_login(setup.member)
    assert "/counter/repairs/new/" in client.get("/me/").content.decode()
    counter_page = client.get("/counter/HZ-001/buy").content.decode()
    assert "/counter/repairs/new/?counter=HZ-001" in counter_page
    when = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    with django_capture_on_commit_callbacks(execute=True):
        booked = client.post(
            "/counter/repairs/new/",
            {
                "counter": "HZ-001",
                "vehicle_serial": "ev-2026-77",
                "fault": "电机异响",
                "fault_kind": "motor",
                "model": setup.sku.product.public_id,
                "drop_off_at": when,
            },
        )
    url = booked.url
    ticket = RepairTicket.objects.get()
    assert (ticket.product, ticket.fault_kind) == (setup.sku.product, "motor")
    # at the counter: its page offers the check-in of this booking
    here = client.get("/counter/repairs/new/", {"counter": "HZ-001"}).content.decode()
    assert f'data-testid="check-in-{ticket.public_id}"' in here
    wrong = client.post(url, {"scanned": "https://shop.example/counter/SH-404/buy"})
    assert wrong.status_code == 422 and RepairTicket.objects.get().checked_in_at is None
    assert "请扫描您预约的售货柜 HZ-001 上的二维码" in wrong.content.decode()
    assert 'data-testid="check-in"' in wrong.content.decode()  # the form again, to retry
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            client.post(url, {"scanned": "https://shop.example/counter/hz-001/buy"}).status_code
            == 302
        )
    staff = client.__class__()
    staff.force_login(setup.staff)
    for step, extra in (
        ("dropped_off", {}),
        ("pickup_dispatched", {"note": "骑手小王"}),
        ("repairing", {}),
        ("returned", {"return_to": "counter"}),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            assert staff.post(url, {"step": step, **extra}).status_code == 302, step
    ticket.refresh_from_db()
    texts = [m["text"] for m in read_sms_file(setup.member.phone)]
    assert len(texts) == 6, texts
    for part in (
        "维修预约已登记",
        "已在售货柜 HZ-001 签到",
        "车辆已放在售货柜",
        "已派人取车",
        "骑手小王",
        "维修中",
    ):
        assert any(part in t for t in texts), part
    code = re.search(r"取车码 (\d{6})", texts[-1]).group(1)
    assert code == ticket.pickup_code and "HZ" not in code
    assert code in client.get(url).content.decode()
    refused = staff.post(
        url, {"step": "collected", "code": "000000" if code != "000000" else "111111"}
    )
    assert refused.status_code == 422 and RepairTicket.objects.get().step == "returned"
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(url, {"step": "collected", "code": code}).status_code == 302
    assert RepairTicket.objects.get().step == "collected"
    assert "已取车" in read_sms_file(setup.member.phone)[-1]["text"]
    assert StaffTask.objects.get(kind=StaffTask.Kind.REPAIR).status == "done"


def test_ops_page_lists_counters_with_status_and_the_funnel(counter_setup, client):
    client.force_login(counter_setup.staff)
    page = client.get("/ops/counters/")
    assert page.status_code == 200
    assert "HZ-001" in page.content.decode() and "plotly" in page.content.decode()
    assert client.get("/ops/counters/HZ-001/").status_code == 200
    assert client.get("/ops/counters/NOPE/").status_code == 404


def test_a_shopper_books_a_repair_on_the_page_and_staff_move_it_on(counter_setup, client):
    setup = counter_setup
    client.force_login(setup.member)
    form = client.get("/counter/repairs/new/", {"lat": "30.2591", "lon": "120.1651"})
    assert "HZ-001" in form.content.decode()
    when = (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    bad = client.post(
        "/counter/repairs/new/", {"counter": "HZ-001", "fault": "x", "drop_off_at": when}
    )
    assert bad.status_code == 422 and RepairTicket.objects.count() == 0
    unknown = client.post(
        "/counter/repairs/new/",
        {
            "counter": "HZ-001",
            "vehicle_serial": "EV9",
            "fault": "不充电",
            "drop_off_at": when,
            "model": "nope",
        },
    )
    assert unknown.status_code == 422 and "请选择售货柜在售的车型" in unknown.content.decode()
    assert RepairTicket.objects.count() == 0
    resp = client.post(
        "/counter/repairs/new/",
        {"counter": "HZ-001", "vehicle_serial": "EV9", "fault": "不充电", "drop_off_at": when},
    )
    ticket = RepairTicket.objects.get()
    assert resp.status_code == 302 and resp.url == f"/counter/repairs/{ticket.public_id}/"
    assert client.post(resp.url, {"step": "dropped_off"}).status_code == 403
    assert client.post(resp.url, {"scanned": "/counter/HZ-001/buy"}).status_code == 302
    client.force_login(setup.staff)
    assert client.post(resp.url, {"step": "dropped_off"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.step == "dropped_off"


def test_staff_restock_from_the_ops_page_posts_the_transfer(counter_setup, client):
    from omniretail.inventory.models import StockLevel, Transfer

    setup = counter_setup
    client.force_login(setup.staff)
    before = Transfer.objects.count()
    resp = client.post("/ops/counters/HZ-001/restock/", {"bay-1": "1", "bay-2": "0"})
    assert resp.status_code == 302 and Transfer.objects.count() == before + 1
    level = StockLevel.objects.get(location=setup.counter.location, sku=setup.sku)
    assert level.on_hand == 5
    too_many = client.post("/ops/counters/HZ-001/restock/", {"bay-1": "1"})
    assert too_many.status_code == 422 and Transfer.objects.count() == before + 1


def test_customer_service_marks_a_lead_contacted_on_the_ops_page(counter_setup, client):
    setup = counter_setup
    lead = leads.record_scan(counter=setup.counter, product=setup.sku.product, user=setup.member)
    client.force_login(setup.staff)
    assert "标记已联系" in client.get("/ops/counters/").content.decode()
    resp = client.post(
        f"/ops/counter-leads/{lead.public_id}/", {"status": "contacted", "note": "回访"}
    )
    assert resp.status_code == 302
    lead.refresh_from_db()
    assert lead.status == "contacted" and lead.note == "回访"


@pytest.mark.django_db(transaction=True)
def test_ops_page_shows_sales_to_the_cent(counter_setup, client, api_client):
    setup = counter_setup
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    resp = api_client(setup.member).post(
        "/api/counters/HZ-001/purchases", {"bay": "1"}, headers={"Idempotency-Key": "ops-sales"}
    )
    assert resp.status_code == 201
    sim.poll(0)
    client.force_login(setup.staff)
    row = re.search(r'data-testid="counter-row">.*?</tr>', client.get("/ops/counters/").text, re.S)
    assert "¥39.90<" in row.group(0) and "39.900" not in row.group(0)
