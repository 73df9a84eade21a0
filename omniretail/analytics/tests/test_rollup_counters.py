"""The counters' roll-up equals a brute-force computation over the raw rows (scans, vends
and their orders, device events minute by minute, repairs) on generated days, built in one
go and incrementally; running it again changes nothing."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from omniretail.analytics import rollup_counters
from omniretail.analytics.models import DailyCounter, DailyCounterFault, DailyCounterProduct
from omniretail.analytics.services import day_bounds
from omniretail.analytics.tests import counters_world
from omniretail.counters.models import (
    Counter,
    DeviceEvent,
    RepairStep,
    RepairTicket,
    ScanLead,
    Vend,
)

K = DeviceEvent.Kind
V = Vend.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def world(merchant_staff, other_merchant_staff, store, foreign_store, sku, sku2):
    return counters_world.build(
        staff=merchant_staff,
        other_staff=other_merchant_staff,
        store=store,
        foreign_store=foreign_store,
        skus=[sku, sku2],
    )


def _funnel(leads, vends) -> dict:
    completed = [v for v in vends if v.status == V.COMPLETED]
    return {
        "scans": len(leads),
        "scanners": len({s.user_id or s.session_key or f"#{s.pk}" for s in leads}),
        "leads": sum(1 for s in leads if s.user_id),
        "conversions": sum(1 for s in leads if s.status == ScanLead.Status.CONVERTED),
        "started": len(vends),
        "paid": sum(1 for v in vends if v.status not in (V.AWAITING_PAYMENT, V.CANCELLED)),
        "vended": len(completed),
        "failed": sum(1 for v in vends if v.status == V.REFUNDED),
        "refund_count": sum(1 for v in vends if v.refunded),
        "refunded": sum((v.refunded for v in vends), Decimal(0)),
        "units": sum(v.taken for v in completed),
        "sales": sum((v.order.total - v.order.amount_refunded for v in completed), Decimal(0)),
    }


def _minutes(counter, day, now) -> dict:
    """Minute by minute, straight from the definition in docs/analytics.md."""
    start, _end = day_bounds(day)
    limit = timedelta(seconds=settings.OMNI_COUNTER_OFFLINE_S)
    events = list(counter.events.order_by("received_at").values_list("received_at", "kind"))
    faults = [at for at, kind in events if kind in (K.FAULT, K.TAMPER)]
    clears = [at for at, kind in events if kind == K.FAULT_CLEARED]
    out = {"minutes": 0, "heard_minutes": 0, "fault_minutes": 0, "up_minutes": 0}
    for m in range(1440):
        t = start + timedelta(minutes=m)
        end = t + timedelta(minutes=1)
        if end <= counter.created_at or end > now:
            continue
        heard = any(t - limit < at < end for at, _k in events)
        fault = any(f < end and not any(f < c <= t for c in clears) for f in faults)
        out["minutes"] += 1
        out["heard_minutes"] += heard
        out["fault_minutes"] += fault
        out["up_minutes"] += heard and not fault
    return out


def _within(qs, field, day):
    start, end = day_bounds(day)
    return qs.filter(**{f"{field}__gte": start, f"{field}__lt": end})


def brute_force(days, now):
    counter_rows, product_rows, fault_rows = {}, {}, {}
    for day in days:
        for counter in Counter.objects.filter(created_at__lt=day_bounds(day)[1]):
            leads = list(_within(counter.leads.all(), "scanned_at", day))
            vends = list(
                _within(counter.vends.select_related("order", "bay__sku"), "created_at", day)
            )
            events = list(_within(counter.events.all(), "received_at", day))
            counter_rows[(day, counter.pk)] = {
                **_funnel(leads, vends),
                **_minutes(counter, day, now),
                "faults": sum(1 for e in events if e.kind == K.FAULT),
                "tampers": sum(1 for e in events if e.kind == K.TAMPER),
                "repairs_booked": _within(
                    RepairTicket.objects.filter(counter=counter), "created_at", day
                ).count(),
                "repair_drop_offs": _within(
                    RepairStep.objects.filter(
                        ticket__counter=counter, step=RepairTicket.Step.DROPPED_OFF
                    ),
                    "at",
                    day,
                ).count(),
            }
            products = {s.product_id for s in leads} | {v.bay.sku.product_id for v in vends}
            for product in products:
                product_rows[(day, counter.pk, product)] = _funnel(
                    [s for s in leads if s.product_id == product],
                    [v for v in vends if v.bay.sku.product_id == product],
                )
            tally = defaultdict(int)
            for e in events:
                if e.kind in (K.FAULT, K.TAMPER):
                    tally[(e.kind, str(e.data.get("code") or e.data.get("reason") or ""))] += 1
            for (kind, reason), n in tally.items():
                fault_rows[(day, counter.pk, kind, reason)] = n
    return counter_rows, product_rows, fault_rows


FIELDS = [*rollup_counters.FUNNEL]
MINUTES = ["minutes", "heard_minutes", "fault_minutes", "up_minutes"]
OTHER = ["faults", "tampers", "repairs_booked", "repair_drop_offs"]


def rolled_up():
    counters = {
        (r.day, r.counter_id): {k: getattr(r, k) for k in FIELDS + MINUTES + OTHER}
        for r in DailyCounter.objects.all()
    }
    products = {
        (r.day, r.counter_id, r.product_id): {k: getattr(r, k) for k in FIELDS}
        for r in DailyCounterProduct.objects.all()
    }
    faults = {
        (r.day, r.counter_id, r.kind, r.reason): r.count for r in DailyCounterFault.objects.all()
    }
    return counters, products, faults


def _days_since_first():
    first = timezone.localdate(Counter.objects.order_by("created_at").first().created_at)
    return [first + timedelta(days=i) for i in range((timezone.localdate() - first).days + 1)]


def test_rollup_equals_brute_force_and_a_second_run_changes_nothing(world):
    now = timezone.now()
    assert rollup_counters.rollup_changes(now) == len(_days_since_first())
    assert rolled_up() == brute_force(_days_since_first(), now)
    counters, _products, faults = rolled_up()
    a = world.counters[0]
    # the generated world has what the figures are about (not a vacuous equality)
    assert sum(r["failed"] for r in counters.values()) > 0
    assert sum(r["refund_count"] for r in counters.values()) > sum(
        r["failed"] for r in counters.values()
    )
    assert counters[(world.days[1], a.pk)]["fault_minutes"] > 0
    assert counters[(world.days[2], a.pk)]["fault_minutes"] >= 40  # open since 23:50 the day before
    assert ((world.days[1], a.pk, K.FAULT, "E42")) in faults
    assert counters[(world.days[0], a.pk)]["minutes"] == 1440 - (10 * 60 + 30)
    before = rolled_up()
    ids = set(DailyCounter.objects.values_list("id", flat=True))
    assert rollup_counters.rollup_changes(now) >= 1
    assert rolled_up() == before
    assert ids  # rows were rewritten, same figures


def test_later_changes_are_picked_up_incrementally(world):
    now = timezone.now()
    a = world.counters[0]
    old_day = world.days[0]
    vend = world.world.vend(
        a, world.bays[a.pk][0], counters_world.local(old_day, 12, 5), V.AWAITING_PAYMENT
    )
    lead = world.world.scan(a, counters_world.local(old_day, 12), who="member")
    rollup_counters.rollup_changes(now)
    before = DailyCounter.objects.get(day=old_day, counter=a)
    later = now + timedelta(minutes=20)
    # the first day's lead converted now, its vend paid and refunded now (unlock refused)
    ScanLead.objects.filter(pk=lead.pk).update(
        status=ScanLead.Status.CONVERTED, converted_at=now + timedelta(minutes=10)
    )
    Vend.objects.filter(pk=vend.pk).update(
        status=V.REFUNDED,
        taken=0,
        refunded=vend.order.total,
        updated_at=now + timedelta(minutes=10),
    )
    tampered = now + timedelta(minutes=5)
    world.world.event(a, tampered, K.TAMPER, {"reason": "tamper 撬门"})
    rollup_counters.rollup_changes(later)
    after = DailyCounter.objects.get(day=old_day, counter=a)
    assert after.conversions == before.conversions + 1
    assert (after.paid, after.failed) == (before.paid + 1, before.failed + 1)
    assert after.refunded == before.refunded + vend.order.total
    # the tamper's own day: from 23:40 local time `later` is the next day
    assert DailyCounter.objects.get(day=timezone.localdate(tampered), counter=a).tampers == 1
    assert rolled_up() == brute_force(_days_since_first(), later)
