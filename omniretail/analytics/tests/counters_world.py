"""Generated counter facts over a few past days for the counters roll-up's and pages' tests:
two counters of one merchant and one of another, scans by members, guests and anonymous
visitors, vends in every state (completed with and without a partial refund, refunded after
a failed unlock, awaiting payment, cancelled), heartbeats in spans with silences, faults and
tamper alarms (one open across midnight), repair tickets dropped off. Times are set by hand
(the auto_now fields are switched off while writing)."""

import random
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.counters import services
from omniretail.counters.models import (
    Bay,
    Counter,
    DeviceEvent,
    RepairStep,
    RepairTicket,
    ScanLead,
    Vend,
)
from omniretail.orders.models import Order

V = Vend.Status
DAYS = 4


@contextmanager
def stamped():
    """Lets a test write created_at / updated_at / received_at / scanned_at / at itself."""
    fields = [
        f
        for model in (ScanLead, Vend, DeviceEvent, RepairTicket, RepairStep, Order, Counter)
        for f in model._meta.fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def local(day, hour=0, minute=0, second=0, micro=0):
    return timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
        hours=hour, minutes=minute, seconds=second, microseconds=micro
    )


def make_counter(actor, store, code, skus, created_at):
    counter = services.register_counter(
        actor=actor,
        store=store,
        code=code,
        name=f"{store.name}售货柜",
        site_name="湖滨银泰 in77",
        address="杭州市上城区延安路258号",
        lat=30.259,
        lon=120.165,
    )
    for n, sku in enumerate(skus, start=1):
        services.add_bay(
            actor=actor, counter=counter, number=str(n), sku=sku, par_level=1, capacity=4
        )
    Counter.objects.filter(pk=counter.pk).update(created_at=created_at)
    counter.refresh_from_db()
    return counter


class World:
    """Writes facts; `n` numbers orders, events and tickets uniquely."""

    def __init__(self, rng: random.Random, members):
        self.rng = rng
        self.members = members
        self.n = 0
        self.seq: dict[int, int] = {}

    def next(self) -> int:
        self.n += 1
        return self.n

    def scan(self, counter, at, product=None, who=None, status=ScanLead.Status.NEW):
        user, session = None, ""
        if who == "member":
            user = self.rng.choice(self.members)
        elif who == "guest":
            session = f"sess{self.rng.randint(1, 4)}"
        with stamped():
            return ScanLead.objects.create(
                counter=counter,
                product=product,
                user=user,
                session_key=session,
                status=status,
                scanned_at=at,
                converted_at=at + timedelta(hours=1)
                if status == ScanLead.Status.CONVERTED
                else None,
            )

    def vend(self, counter, bay, at, status, *, quantity=2, taken=None, refunded="0"):
        price = bay.sku.price
        total = price * quantity
        paid = status not in (V.AWAITING_PAYMENT, V.CANCELLED)
        with stamped():
            order = Order.objects.create(
                number=f"V{self.next():08d}",
                merchant=counter.merchant,
                store=counter.store,
                location=counter.location,
                fulfilment=Order.Fulfilment.COUNTER,
                status=Order.Status.COMPLETED if status == V.COMPLETED else Order.Status.PAID,
                subtotal=total,
                total=total,
                amount_refunded=Decimal(refunded),
                paid_at=at if paid else None,
                created_at=at,
                updated_at=at,
            )
            return Vend.objects.create(
                counter=counter,
                bay=bay,
                order=order,
                quantity=quantity,
                authorise=Vend.Authorise.PAYMENT,
                status=status,
                taken=taken,
                refunded=Decimal(refunded),
                created_at=at,
                updated_at=at,
            )

    def event(self, counter, at, kind=DeviceEvent.Kind.HEARTBEAT, data=None):
        self.seq[counter.pk] = self.seq.get(counter.pk, 0) + 1
        with stamped():
            return DeviceEvent.objects.create(
                counter=counter,
                seq=self.seq[counter.pk],
                kind=kind,
                data=data or {},
                fingerprint="x",
                received_at=at,
            )

    def heartbeats(self, counter, start, minutes, every=45):
        at = start
        while at < start + timedelta(minutes=minutes):
            self.event(counter, at)
            at += timedelta(seconds=every + self.rng.randint(0, 30))

    def repair(self, counter, at, dropped_at=None):
        with stamped():
            ticket = RepairTicket.objects.create(
                counter=counter,
                store=counter.store,
                shopper=self.rng.choice(self.members),
                vehicle_serial=f"VIN{self.next()}",
                fault="刹车异响",
                drop_off_at=at + timedelta(hours=2),
                created_at=at,
                updated_at=at,
            )
            if dropped_at is not None:
                RepairStep.objects.create(
                    ticket=ticket, step=RepairTicket.Step.DROPPED_OFF, at=dropped_at
                )
        return ticket


def build(*, staff, other_staff, store, foreign_store, skus, seed=20):
    """The generated facts over the DAYS days before today."""
    rng = random.Random(seed)
    today = timezone.localdate()
    days = [today - timedelta(days=DAYS - i) for i in range(DAYS)]
    members = [
        User.objects.create(username=f"c1370000{i:04d}", phone=f"1370000{i:04d}") for i in range(6)
    ]
    world = World(rng, members)
    first = local(days[0], 10, 30, 20)
    a = make_counter(staff, store, "HZ-A01", skus, first)
    b = make_counter(staff, store, "HZ-B02", skus[:1], first - timedelta(days=2))
    c = make_counter(other_staff, foreign_store, "XX-C03", skus[1:], first)
    counters = [a, b, c]
    bays = {
        x.pk: list(Bay.objects.filter(counter=x).select_related("sku__product")) for x in counters
    }
    statuses = [V.COMPLETED, V.COMPLETED, V.REFUNDED, V.AWAITING_PAYMENT, V.CANCELLED, V.OPEN]
    for day in days:
        for counter in counters:
            for _ in range(rng.randint(3, 9)):
                at = local(day, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
                bay = rng.choice(bays[counter.pk])
                world.scan(
                    counter,
                    at,
                    product=rng.choice([bay.sku.product, bay.sku.product, None]),
                    who=rng.choice(["member", "guest", None]),
                    status=rng.choice([ScanLead.Status.NEW, ScanLead.Status.CONVERTED]),
                )
            for _ in range(rng.randint(2, 6)):
                at = local(day, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
                bay = rng.choice(bays[counter.pk])
                status = rng.choice(statuses)
                if status == V.COMPLETED:
                    taken = rng.choice([1, 2])
                    world.vend(
                        counter,
                        bay,
                        at,
                        status,
                        taken=taken,
                        refunded=str(bay.sku.price * (2 - taken)),
                    )
                elif status == V.REFUNDED:
                    world.vend(counter, bay, at, status, taken=0, refunded=str(bay.sku.price * 2))
                else:
                    world.vend(counter, bay, at, status)
            for _ in range(rng.randint(1, 3)):
                world.heartbeats(
                    counter,
                    local(day, rng.randint(0, 22), rng.randint(0, 59), rng.randint(0, 59)),
                    rng.randint(10, 90),
                )
            for _ in range(rng.randint(0, 2)):
                at = local(day, rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
                kind = rng.choice([DeviceEvent.Kind.FAULT, DeviceEvent.Kind.TAMPER])
                world.event(
                    counter, at, kind, {"reason": rng.choice(["电机卡滞", "tamper 摄像头遮挡"])}
                )
                if rng.random() < 0.7:
                    world.event(
                        counter,
                        at + timedelta(minutes=rng.randint(1, 120)),
                        DeviceEvent.Kind.FAULT_CLEARED,
                    )
            if rng.random() < 0.6:
                at = local(day, rng.randint(8, 20), rng.randint(0, 59))
                world.repair(counter, at, at + timedelta(hours=rng.randint(1, 3)))
    # a fault open across midnight into the next day, cleared in its morning
    world.event(a, local(days[1], 23, 50, 5), DeviceEvent.Kind.FAULT, {"code": "E42"})
    world.event(a, local(days[2], 0, 40, 10), DeviceEvent.Kind.FAULT_CLEARED)
    world.heartbeats(a, local(days[1], 23, 30), 80)
    return SimpleNamespace(world=world, counters=counters, days=days, bays=bays, members=members)
