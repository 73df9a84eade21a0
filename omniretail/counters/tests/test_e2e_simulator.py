"""End to end over HTTP: the `omniretail counter-sim` process talks to a live server like a
real counter. Paid -> signed unlock -> door closed -> order completed; a partial take is
partly refunded; replayed events change nothing; forged, expired and replayed commands are
refused by the device; an offline counter's unlock expires and is refunded."""

import json
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from omniretail.accounts.services import issue_api_token
from omniretail.counters import commands, vending
from omniretail.counters.models import Command, Counter, DeviceEvent, Vend
from omniretail.inventory.models import StockLevel
from omniretail.orders.models import Order

CLI = str(Path(sys.executable).parent / "omniretail")


def wait_for(predicate, timeout: float = 20.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(
        url, data=json.dumps(body).encode() if body is not None else None, method=method
    )
    req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def simulator(live_server, transactional_db, counter_setup, tmp_path):
    setup = counter_setup
    control = tmp_path / "control.json"
    state = tmp_path / "state.json"
    control.write_text("{}")
    log = open(tmp_path / "sim.log", "w")  # noqa: SIM115  (closed after the process ends)
    proc = subprocess.Popen(
        [
            CLI,
            "counter-sim",
            "--url",
            live_server.url,
            "--credential",
            setup.token,
            "--command-key",
            setup.key,
            "--state",
            str(state),
            "--control",
            str(control),
            "--interval",
            "1",
            "--wait",
            "1",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(
            lambda: Counter.objects.get(pk=setup.counter.pk).status == Counter.Status.ONLINE,
            timeout=30,
        )
        yield setup, control, state, tmp_path / "sim.log"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def test_the_simulator_vends_refunds_and_refuses_what_it_cannot_trust(live_server, simulator):
    setup, control, state, log = simulator
    token = issue_api_token(user=setup.member, name="e2e")[1]

    def buy(bay: str, quantity: int, key: str) -> Vend:
        status, body = http(
            "POST",
            f"{live_server.url}/api/counters/{setup.counter.code}/purchases",
            {"bay": bay, "quantity": quantity},
            {"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        )
        assert status == 201, body
        return Vend.objects.get(public_id=body["id"])

    def settled(vend: Vend) -> Vend | None:
        vend.refresh_from_db()
        return vend if vend.status in (Vend.Status.COMPLETED, Vend.Status.REFUNDED) else None

    def level(sku) -> int:
        return StockLevel.objects.get(location=setup.counter.location, sku=sku).on_hand

    # given a paid purchase, the signed unlock reaches the device and the order completes
    vend = wait_for(lambda: settled(buy("1", 1, "e2e-1")))
    order = Order.objects.get(pk=vend.order_id)
    assert vend.status == Vend.Status.COMPLETED and order.status == Order.Status.COMPLETED
    assert level(setup.sku) == 3

    # a partial take: 2 paid, 1 taken -> the order completes and one is refunded
    control.write_text(json.dumps({"take": {"1": 1}}))
    vend = wait_for(lambda: settled(buy("1", 2, "e2e-2")))
    order = Order.objects.get(pk=vend.order_id)
    assert vend.taken == 1 and order.status == Order.Status.COMPLETED
    # the refund is recorded on the order by the PaymentRefunded event, after commit
    wait_for(lambda: Order.objects.get(pk=order.pk).amount_refunded == setup.sku.price)
    assert level(setup.sku) == 2
    assert json.loads(state.read_text())["bays"]["1"] == 2

    # replaying the device's last event (same seq, same body) changes nothing; an older
    # sequence number is refused
    control.write_text(json.dumps({"offline": True}))
    time.sleep(1.5)
    last = DeviceEvent.objects.filter(counter=setup.counter, kind="door_closed").latest("seq")
    events_before = DeviceEvent.objects.count()
    device = {"Authorization": f"Counter {setup.token}"}
    url = f"{live_server.url}/api/counters/device/events"
    body = {"seq": last.seq, "kind": last.kind, "at": last.at, "data": last.data}
    accepted = Counter.objects.get(pk=setup.counter.pk).last_seq
    assert http("POST", url, body, device) == (
        200,
        {"seq": last.seq, "duplicate": True, "last_seq": accepted},
    )
    status, refused = http("POST", url, {**body, "seq": 1}, device)
    assert status == 409 and refused["error"]["code"] == "stale_sequence"
    assert refused["error"]["details"] == {"last_seq": accepted}
    assert DeviceEvent.objects.count() == events_before
    assert Order.objects.get(pk=order.pk).amount_refunded == setup.sku.price

    # offline: the unlock waits, expires after ~15 s and the shopper is refunded in full
    vend = buy("2", 1, "e2e-3")
    vend.refresh_from_db()
    assert vend.status == Vend.Status.UNLOCKING
    time.sleep(1)
    assert Command.objects.get(pk=vend.command_id).status == Command.Status.PENDING
    vending.expire_unlocks(now=timezone.now() + timedelta(seconds=16))
    vend.refresh_from_db()
    assert vend.status == Vend.Status.REFUNDED
    wait_for(lambda: Order.objects.get(pk=vend.order_id).status == Order.Status.REFUNDED)
    assert level(setup.sku2) == 2

    # forged and stale commands are refused by the device; nothing opens
    counter = Counter.objects.get(pk=setup.counter.pk)
    forged = commands.issue(counter=counter, kind="unlock", args={"bay": "2", "quantity": 1})
    Command.objects.filter(pk=forged.pk).update(signature="0" * 64)
    stale = commands.issue(
        counter=counter,
        kind="unlock",
        args={"bay": "2", "quantity": 1},
        now=timezone.now() - timedelta(seconds=60),
    )
    Command.objects.filter(pk=stale.pk).update(expires_at=timezone.now() + timedelta(seconds=30))
    replayed = Command.objects.filter(kind="unlock", status=Command.Status.ACKED).first()
    Command.objects.filter(pk=replayed.pk).update(status=Command.Status.PENDING)
    door_events = DeviceEvent.objects.filter(kind__startswith="door").count()
    control.write_text("{}")
    for command, result in ((forged, "rejected:bad_signature"), (stale, "rejected:expired")):
        command = wait_for(
            lambda c=command: Command.objects.filter(pk=c.pk, acked_at__isnull=False).first()
        )
        assert command.status == Command.Status.REJECTED and command.result == result
    wait_for(lambda: Command.objects.get(pk=replayed.pk).status == Command.Status.ACKED)
    time.sleep(1.5)
    assert DeviceEvent.objects.filter(kind__startswith="door").count() == door_events
    assert json.loads(state.read_text())["bays"] == {"1": 2, "2": 2}
    assert "replay_ignored" in log.read_text()
