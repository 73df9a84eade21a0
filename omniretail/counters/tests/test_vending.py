"""Self-service purchase through the device protocol: only a paid order unlocks; the door
close report completes the order for what was taken and refunds the rest; an unlock that
is never collected is refunded at expiry; an unclosed door flags the counter."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniretail.core import events
from omniretail.core.models import HandledEvent, OutboxEvent
from omniretail.core.sms import read_sms_file
from omniretail.counters import commands, vending
from omniretail.counters.models import Command, Counter, StaffTask, Vend
from omniretail.counters.tests.device import InProcessSim
from omniretail.inventory.models import StockLevel
from omniretail.orders.models import Order
from omniretail.payments.models import PaymentIntent

pytestmark = pytest.mark.django_db(transaction=True)


def buy(setup, api_client, *, bay="1", quantity=1, **extra):
    resp = api_client(setup.member).post(
        f"/api/counters/{setup.counter.code}/purchases",
        {"bay": bay, "quantity": quantity, **extra},
        headers={"Idempotency-Key": f"buy-{bay}-{quantity}-{extra}"},
    )
    assert resp.status_code == 201, resp.json()
    return Vend.objects.get(public_id=resp.json()["id"])


def on_hand(setup, sku) -> int:
    return StockLevel.objects.get(location=setup.counter.location, sku=sku).on_hand


def started(setup) -> InProcessSim:
    sim = InProcessSim(setup)
    sim.start()
    sim.heartbeat()
    return sim


def test_paid_purchase_unlocks_and_a_full_take_completes_the_order(counter_setup, api_client):
    setup = counter_setup
    sim = started(setup)
    vend = buy(setup, api_client, quantity=2)
    vend.refresh_from_db()
    assert vend.status == Vend.Status.UNLOCKING
    assert sim.poll(0) == 1
    vend.refresh_from_db()
    order = Order.objects.get(pk=vend.order_id)
    assert vend.status == Vend.Status.COMPLETED and vend.taken == 2
    assert order.status == Order.Status.COMPLETED and order.amount_refunded == 0
    assert on_hand(setup, setup.sku) == 2 == sim.state["bays"]["1"]
    assert not StaffTask.objects.filter(kind=StaffTask.Kind.STOCK_EXCEPTION, status="open").exists()


def test_partial_take_refunds_what_was_left_and_puts_it_back_on_the_shelf(
    counter_setup, api_client
):
    setup = counter_setup
    sim = started(setup)
    sim.take = {"1": 1}
    vend = buy(setup, api_client, quantity=3)
    sim.poll(0)
    vend.refresh_from_db()
    order = Order.objects.get(pk=vend.order_id)
    intent = PaymentIntent.objects.get(public_id=order.payment_intent_id)
    assert vend.status == Vend.Status.COMPLETED and vend.taken == 1
    assert order.status == Order.Status.COMPLETED
    assert order.amount_refunded == vend.refunded == setup.sku.price * 2
    assert intent.amount_refunded == setup.sku.price * 2
    assert on_hand(setup, setup.sku) == 3 == sim.state["bays"]["1"]


def test_nothing_taken_refunds_in_full(counter_setup, api_client):
    setup = counter_setup
    sim = started(setup)
    sim.take = {"2": 0}
    vend = buy(setup, api_client, bay="2")
    sim.poll(0)
    vend.refresh_from_db()
    assert vend.status == Vend.Status.REFUNDED
    assert Order.objects.get(pk=vend.order_id).status == Order.Status.REFUNDED
    assert on_hand(setup, setup.sku2) == 2


def test_an_unlock_nobody_collects_expires_and_is_refunded(counter_setup, api_client):
    setup = counter_setup
    started(setup)  # online, then silent: nobody collects the unlock
    vend = buy(setup, api_client)
    assert vending.expire_unlocks() == 0  # still within its 15 s
    assert vending.expire_unlocks(now=timezone.now() + timedelta(seconds=16)) == 1
    vend.refresh_from_db()
    assert vend.status == Vend.Status.REFUNDED
    assert Command.objects.get(pk=vend.command_id).status == Command.Status.EXPIRED
    assert Order.objects.get(pk=vend.order_id).status == Order.Status.REFUNDED
    assert on_hand(setup, setup.sku) == 4
    assert vending.expire_unlocks(now=timezone.now() + timedelta(seconds=60)) == 0


def test_an_order_paid_event_published_before_it_carried_the_fulfilment_still_unlocks(
    counter_setup, api_client, settings
):
    """The unlock's handler is passed over for other orders' OrderPaid by its fulfilment;
    an event the previous release left in the outbox, without one, still unlocks."""
    settings.OMNI_EVENTS_DELIVERY = "sweep"
    setup = counter_setup
    started(setup)
    vend = buy(setup, api_client)
    succeeded = OutboxEvent.objects.get(name__endswith=".PaymentSucceeded")
    assert events.deliver(succeeded.pk)  # the order is paid; its OrderPaid waits
    paid = OutboxEvent.objects.get(name__endswith=".OrderPaid")
    assert paid.payload.pop("fulfilment") == Order.Fulfilment.COUNTER
    paid.save(update_fields=["payload"])
    vend.refresh_from_db()
    assert vend.status == Vend.Status.AWAITING_PAYMENT
    assert events.deliver(paid.pk)
    vend.refresh_from_db()
    assert vend.status == Vend.Status.UNLOCKING
    assert HandledEvent.objects.filter(
        event_id=paid.event_id, handler__endswith=".unlock_paid_vend"
    ).exists()


def test_no_unlock_without_payment(counter_setup, api_client):
    setup = counter_setup
    started(setup)
    resp = api_client(setup.member).post(
        f"/api/counters/{setup.counter.code}/purchases",
        {"bay": "1", "quantity": 1, "provider": "sandbox_gateway"},
        headers={"Idempotency-Key": "unpaid"},
    )
    assert resp.status_code == 201
    assert resp.json()["status"] == "awaiting_payment"
    assert Command.objects.count() == 0
    poor = api_client(type(setup.member).objects.create(username="m137", phone="13700000077"))
    resp = poor.post(f"/api/counters/{setup.counter.code}/purchases", {"bay": "1"})
    assert resp.status_code == 409  # wallet empty: nothing ordered, nothing unlocked
    assert Command.objects.count() == 0 and Vend.objects.count() == 1


def test_an_sms_code_typed_on_the_screen_unlocks_the_paid_bay(counter_setup, api_client):
    setup = counter_setup
    sim = started(setup)
    vend = buy(setup, api_client, authorise="code")
    vend.refresh_from_db()
    assert vend.status == Vend.Status.AWAITING_CODE and Command.objects.count() == 0
    texts = [m["text"] for m in read_sms_file(setup.member.phone)]
    code = next(re.search(r"开柜验证码 (\d{6})", t).group(1) for t in texts if "开柜验证码" in t)
    assert (
        sim.request("POST", "/unlock-code", {"code": "000000" if code != "000000" else "111111"})[0]
        == 422
    )
    status, body = sim.request("POST", "/unlock-code", {"code": code})
    assert status == 200 and body["status"] == "unlocking"
    sim.poll(0)
    vend.refresh_from_db()
    assert vend.status == Vend.Status.COMPLETED


def test_a_door_left_open_flags_the_counter_and_gives_the_store_a_task(counter_setup, api_client):
    setup = counter_setup
    sim = started(setup)
    sim.leave_door_open = True
    vend = buy(setup, api_client)
    sim.poll(0)
    later = timezone.now() + timedelta(seconds=200)
    assert vending.flag_unclosed_doors(now=later) == 1
    assert vending.flag_unclosed_doors(now=later) == 0
    counter = Counter.objects.get(pk=setup.counter.pk)
    assert counter.flagged_at is not None
    task = StaffTask.objects.get(kind=StaffTask.Kind.DOOR_NOT_CLOSED, status="open")
    assert task.store_id == setup.store.pk
    sim.leave_door_open = False
    sim.close_door()
    vend.refresh_from_db()
    task.refresh_from_db()
    assert vend.status == Vend.Status.COMPLETED and task.status == "done"


def test_restock_task_opens_below_par_and_a_transfer_closes_it(counter_setup, api_client):
    setup = counter_setup
    sim = started(setup)
    buy(setup, api_client, bay="2", quantity=2)
    sim.poll(0)
    task = StaffTask.objects.get(kind=StaffTask.Kind.RESTOCK, status="open")
    assert task.details["lines"] == [
        {"bay": "2", "sku": setup.sku2.public_id, "on_hand": 0, "quantity": 3}
    ]
    staff = api_client(setup.staff)
    resp = staff.post(
        f"/api/counters/{setup.counter.code}/restock",
        {"lines": [{"bay": "2", "quantity": 3}]},
        headers={"Idempotency-Key": "restock-1"},
    )
    assert resp.status_code == 201
    again = staff.post(
        f"/api/counters/{setup.counter.code}/restock",
        {"lines": [{"bay": "2", "quantity": 3}]},
        headers={"Idempotency-Key": "restock-1"},
    )
    assert again.json() == resp.json()
    assert on_hand(setup, setup.sku2) == 3
    task.refresh_from_db()
    assert task.status == "done"
    # the staff loaded only 2: the counter's report disagrees with the ledger
    sim.state["bays"]["2"] = 2
    _status, body = sim.close_door()
    assert body["differences"] == [{"bay": "2", "ledger": 3, "reported": 2}]
    assert StaffTask.objects.filter(kind=StaffTask.Kind.STOCK_EXCEPTION, status="open").count() == 1


def test_refund_amounts_are_exact_decimals(counter_setup, api_client):
    setup = counter_setup
    sim = started(setup)
    sim.take = {"2": 1}
    vend = buy(setup, api_client, bay="2", quantity=2)
    sim.poll(0)
    vend.refresh_from_db()
    assert vend.refunded == Decimal("398.00")


def test_a_fault_stops_sales_and_gives_the_store_a_task_until_it_clears(counter_setup, api_client):
    setup = counter_setup
    sim = started(setup)
    sim.report_fault("motor jammed")
    sim.report_fault("motor jammed")  # reported once
    counter = Counter.objects.get(pk=setup.counter.pk)
    assert counter.status == Counter.Status.FAULT
    assert StaffTask.objects.filter(kind=StaffTask.Kind.FAULT, status="open").count() == 1
    resp = api_client(setup.member).post("/api/counters/HZ-001/purchases", {"bay": "1"})
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "counter_unavailable"
    sim.report_fault(None)
    assert Counter.objects.get(pk=setup.counter.pk).status == Counter.Status.ONLINE
    assert not StaffTask.objects.filter(kind=StaffTask.Kind.FAULT, status="open").exists()
    sim.report_fault("tamper: camera covered")
    assert Counter.objects.get(pk=setup.counter.pk).flagged_at is not None


def test_a_gateway_payment_unlocks_only_once_its_signed_callback_arrives(
    counter_setup, api_client, settings
):
    from omniretail.payments import services as payments
    from omniretail.payments.providers.base import CallbackRejected
    from omniretail.payments.tests.helpers import SECRET, charge_event, signed_callback

    settings.OMNI_SANDBOX_GATEWAY_SECRET = SECRET
    setup = counter_setup
    started(setup)
    vend = buy(setup, api_client, provider="sandbox_gateway")
    vend.refresh_from_db()
    assert vend.status == Vend.Status.AWAITING_PAYMENT and Command.objects.count() == 0
    intent = PaymentIntent.objects.get(
        public_id=Order.objects.get(pk=vend.order_id).payment_intent_id
    )
    forged_body, forged_headers = signed_callback(charge_event(intent), secret="not-the-secret")
    with pytest.raises(CallbackRejected):
        payments.handle_callback(
            provider="sandbox_gateway", body=forged_body, headers=forged_headers
        )
    assert Command.objects.count() == 0
    body, headers = signed_callback(charge_event(intent))
    payments.handle_callback(provider="sandbox_gateway", body=body, headers=headers)
    vend.refresh_from_db()
    assert vend.status == Vend.Status.UNLOCKING
    assert Command.objects.get().envelope["args"] == {
        "bay": "1",
        "quantity": 1,
        "vend": vend.public_id,
    }


def test_the_simulator_verifies_a_server_signed_command_with_non_ascii_content(counter_setup):
    """The sim keeps its own stdlib copy of the signature check (it is the reference device):
    this holds it to the server's canonical form where the two could drift (ensure_ascii)."""
    setup = counter_setup
    sim = started(setup)
    command = commands.send_ops_command(counter=setup.counter, kind=Command.Kind.SHOW_CONTENT)
    assert sim.poll(0) == 1
    command.refresh_from_db()
    assert command.status == Command.Status.ACKED
    assert sim.state["content"]["headline"] == "电动车自助购"


def test_a_new_bay_below_its_par_level_opens_a_restock_task(
    counter_setup, api_client, approved_product
):
    setup = counter_setup
    sku3 = approved_product("雅迪冠能头盔", "199.00")
    assert not StaffTask.objects.filter(kind=StaffTask.Kind.RESTOCK, status="open").exists()
    resp = api_client(setup.staff).post(
        f"/api/counters/{setup.counter.code}/bays",
        {"number": "3", "sku": sku3.public_id, "par_level": 2, "capacity": 4},
    )
    assert resp.status_code == 201
    task = StaffTask.objects.get(kind=StaffTask.Kind.RESTOCK, status="open")
    assert task.details["lines"] == [
        {"bay": "3", "sku": sku3.public_id, "on_hand": 0, "quantity": 4}
    ]
