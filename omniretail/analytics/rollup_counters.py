"""The counters' roll-up (docs/analytics.md, "Counters"): a local day is rewritten whole from
the counters' raw rows (scans, vends and their orders, device events, repair tickets) in one
transaction, so running it again gives the same rows; the scheduled job recomputes only the
days touched since its last run.

A scan and a vend belong to the day they started: what happens to them later (a lead
converted, a vend paid, completed or refunded) changes that day. Uptime is counted per
minute of the day (see `_minutes`)."""

from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from omniretail.analytics.models import (
    DailyCounter,
    DailyCounterFault,
    DailyCounterProduct,
    RollupMark,
)
from omniretail.analytics.services import ORDER_PURPOSE, day_bounds, days_between, run_rollup
from omniretail.catalog.models import Product
from omniretail.counters.models import (
    Counter,
    DeviceEvent,
    RepairStep,
    RepairTicket,
    ScanLead,
    Vend,
)
from omniretail.payments.models import Refund

MARK = "counters"
LOCK = "counters:day"  # a RollupMark row locked while a day is rewritten, never read as a mark
FIRST_RUN_DAYS = 366
K = DeviceEvent.Kind
FAULTY = (K.FAULT, K.TAMPER)
PAID = (Vend.Status.AWAITING_CODE, Vend.Status.UNLOCKING, Vend.Status.OPEN)
PAID += (Vend.Status.COMPLETED, Vend.Status.REFUNDED)
FUNNEL = (
    "scans",
    "scanners",
    "leads",
    "conversions",
    "started",
    "paid",
    "vended",
    "failed",
    "refund_count",
    "refunded",
    "units",
    "sales",
)


def _empty() -> dict:
    return {k: Decimal(0) if k in ("refunded", "sales") else 0 for k in FUNNEL}


def reason_of(data) -> str:
    """A fault's reason as the device gave it (its `code`, else its `reason`), cut to 60."""
    data = data if isinstance(data, dict) else {}
    return str(data.get("code") or data.get("reason") or "")[:60]


def faults_open_at(moment: datetime) -> set[int]:
    """Counters with a fault or tamper alarm not yet cleared at `moment`: their latest
    fault-kind event before it is a fault or a tamper, not fault_cleared."""
    latest: dict[int, str] = {}
    for counter_id, kind in (
        DeviceEvent.objects.filter(kind__in=[*FAULTY, K.FAULT_CLEARED], received_at__lt=moment)
        .order_by("received_at", "id")
        .values_list("counter_id", "kind")
    ):
        latest[counter_id] = kind
    return {c for c, kind in latest.items() if kind in FAULTY}


def _minutes(start, end, now, created_at, heard_at, fault_events, open_at_start) -> dict:
    """The day's minutes in scope (from the one the counter was registered in, up to the last
    whole minute before `now`), and of those: heard (an event received during the minute or
    less than OMNI_COUNTER_OFFLINE_S before it began, the rule that keeps a counter online),
    in fault (a fault or tamper open at its start or reported during it, until a
    fault_cleared), and up (heard and not in fault). Also whether a fault is open at the end."""
    window = settings.OMNI_COUNTER_OFFLINE_S
    total = int((end - start).total_seconds()) // 60
    first = max(0, int((created_at - start).total_seconds()) // 60)
    last = min(total, int((now - start).total_seconds()) // 60)  # exclusive
    heard = set()
    for at in heard_at:
        r = (at - start).total_seconds()
        # minutes m with r - 60 < 60 m < r + window
        lo = int((r - 60) // 60) + 1
        hi = -int(-(r + window) // 60) - 1
        heard.update(range(max(lo, first), min(hi, last - 1) + 1))
    faulty = set()
    opened = 0.0 if open_at_start else None
    for at, kind in fault_events:
        r = (at - start).total_seconds()
        if kind in FAULTY:
            opened = r if opened is None else opened
        elif opened is not None:  # cleared: minutes m with opened < 60 m + 60 and 60 m < r
            faulty.update(range(int(opened // 60), -int(-r // 60)))
            opened = None
    if opened is not None:
        faulty.update(range(int(opened // 60), total))
    scope = range(first, last)
    faulty = {m for m in faulty if first <= m < last}
    return {
        "minutes": len(scope),
        "heard_minutes": len(heard),
        "fault_minutes": len(faulty),
        "up_minutes": len(heard - faulty),
        "open_at_end": opened is not None,
    }


def _scanner(lead: dict) -> str:
    if lead["user_id"]:
        return f"u{lead['user_id']}"
    return f"s{lead['session_key']}" if lead["session_key"] else f"l{lead['id']}"


def _funnels(start, end) -> tuple[dict, dict]:
    """(counter id -> funnel, (counter id, product id) -> funnel) of the scans and vends that
    started in [start, end)."""
    counters: dict[int, dict] = defaultdict(_empty)
    products: dict[tuple, dict] = defaultdict(_empty)
    scanners: dict[object, set] = defaultdict(set)
    for lead in ScanLead.objects.filter(scanned_at__gte=start, scanned_at__lt=end).values(
        "id", "counter_id", "product_id", "user_id", "session_key", "status"
    ):
        key = (lead["counter_id"], lead["product_id"])
        who = _scanner(lead)
        scanners[lead["counter_id"]].add(who)
        scanners[key].add(who)
        for cell in (counters[lead["counter_id"]], products[key]):
            cell["scans"] += 1
            cell["leads"] += lead["user_id"] is not None
            cell["conversions"] += lead["status"] == ScanLead.Status.CONVERTED
    for vend in Vend.objects.filter(created_at__gte=start, created_at__lt=end).values(
        "counter_id",
        "bay__sku__product_id",
        "status",
        "taken",
        "refunded",
        "order__total",
        "order__amount_refunded",
    ):
        key = (vend["counter_id"], vend["bay__sku__product_id"])
        completed = vend["status"] == Vend.Status.COMPLETED
        for cell in (counters[vend["counter_id"]], products[key]):
            cell["started"] += 1
            cell["paid"] += vend["status"] in PAID
            cell["vended"] += completed
            cell["failed"] += vend["status"] == Vend.Status.REFUNDED
            cell["refund_count"] += vend["refunded"] > 0
            cell["refunded"] += vend["refunded"]
            if completed:
                cell["units"] += vend["taken"] or 0
                cell["sales"] += vend["order__total"] - vend["order__amount_refunded"]
    for key, who in scanners.items():
        (products if isinstance(key, tuple) else counters)[key]["scanners"] = len(who)
    return counters, products


def _lock() -> None:
    """Two runs of one day (a slow run overlapping the next) take turns on one row."""
    RollupMark.objects.get_or_create(name=LOCK, defaults={"until": timezone.now()})
    RollupMark.objects.select_for_update().get(name=LOCK)


@transaction.atomic
def rollup_day(day: date, *, now: datetime | None = None, open_at_start=None) -> set[int]:
    """Rewrites the day's counter rows. `open_at_start` (the counters with a fault open when
    the day began) is the previous day's answer when days are rolled up in order; without it
    it is read from the journal. Returns the counters with a fault open at the day's end."""
    _lock()
    now = now or timezone.now()
    start, end = day_bounds(day)
    if open_at_start is None:
        open_at_start = faults_open_at(start)
    counters = list(
        Counter.objects.filter(created_at__lt=end).values(
            "id", "merchant_id", "store_id", "created_at", "store__city"
        )
    )
    funnels, per_product = _funnels(start, end)
    heard: dict[int, list] = defaultdict(list)
    fault_events: dict[int, list] = defaultdict(list)
    fault_rows: dict[tuple, int] = defaultdict(int)
    window = timedelta(seconds=settings.OMNI_COUNTER_OFFLINE_S)
    for counter_id, at, kind, data in (
        DeviceEvent.objects.filter(received_at__gte=start - window, received_at__lt=end)
        .order_by("received_at", "id")
        .values_list("counter_id", "received_at", "kind", "data")
    ):
        heard[counter_id].append(at)
        if at < start:
            continue
        if kind in FAULTY or kind == K.FAULT_CLEARED:
            fault_events[counter_id].append((at, kind))
        if kind in FAULTY:
            fault_rows[(counter_id, kind, reason_of(data))] += 1
    booked = defaultdict(int)
    for counter_id in RepairTicket.objects.filter(
        created_at__gte=start, created_at__lt=end
    ).values_list("counter_id", flat=True):
        booked[counter_id] += 1
    dropped = defaultdict(int)
    for counter_id in RepairStep.objects.filter(
        step=RepairTicket.Step.DROPPED_OFF, at__gte=start, at__lt=end
    ).values_list("ticket__counter_id", flat=True):
        dropped[counter_id] += 1

    kinds: dict[tuple, int] = defaultdict(int)
    for (counter_id, kind, _reason), n in fault_rows.items():
        kinds[(counter_id, kind)] += n
    open_at_end: set[int] = set()
    rows = []
    for c in counters:
        minutes = _minutes(
            start,
            end,
            now,
            c["created_at"],
            heard.get(c["id"], []),
            fault_events.get(c["id"], []),
            c["id"] in open_at_start,
        )
        if minutes.pop("open_at_end"):
            open_at_end.add(c["id"])
        rows.append(
            DailyCounter(
                day=day,
                counter_id=c["id"],
                merchant_id=c["merchant_id"],
                store_id=c["store_id"],
                faults=kinds[(c["id"], K.FAULT)],
                tampers=kinds[(c["id"], K.TAMPER)],
                repairs_booked=booked[c["id"]],
                repair_drop_offs=dropped[c["id"]],
                **minutes,
                **funnels.get(c["id"], _empty()),
            )
        )
    DailyCounter.objects.filter(day=day).delete()
    DailyCounter.objects.bulk_create(rows)

    by_id = {c["id"]: c for c in counters}
    names = {
        p["id"]: p
        for p in Product.objects.filter(
            pk__in={p for _c, p in per_product if p is not None}
        ).values("id", "name", "owner_id")
    }
    DailyCounterProduct.objects.filter(day=day).delete()
    DailyCounterProduct.objects.bulk_create(
        DailyCounterProduct(
            day=day,
            counter_id=counter_id,
            merchant_id=by_id[counter_id]["merchant_id"],
            product_id=product_id,
            producer_id=names.get(product_id, {}).get("owner_id"),
            product_name=names.get(product_id, {}).get("name", ""),
            region=by_id[counter_id]["store__city"] or "",
            **cell,
        )
        for (counter_id, product_id), cell in per_product.items()
        if counter_id in by_id
    )
    DailyCounterFault.objects.filter(day=day).delete()
    DailyCounterFault.objects.bulk_create(
        DailyCounterFault(
            day=day,
            counter_id=counter_id,
            merchant_id=by_id[counter_id]["merchant_id"],
            kind=kind,
            reason=reason,
            count=n,
        )
        for (counter_id, kind, reason), n in fault_rows.items()
        if counter_id in by_id
    )
    return open_at_end


def touched_days(since: datetime, now: datetime) -> set[date]:
    """Every local day from `since`'s to today (device events, scans, repairs and new vends
    land on the day they arrive), and the start days of the scans converted and of the vends
    changed, paid, cancelled or refunded since."""
    local = timezone.localdate
    days = days_between(local(since), local(now))
    converted = ScanLead.objects.filter(converted_at__gte=since)
    days |= {local(t) for t in converted.values_list("scanned_at", flat=True).distinct()}
    refs = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED, updated_at__gte=since, intent__purpose=ORDER_PURPOSE
    ).values_list("intent__reference", flat=True)
    vends = (
        Vend.objects.filter(updated_at__gte=since)
        | Vend.objects.filter(order__updated_at__gte=since)
        | Vend.objects.filter(order__public_id__in=list(refs))
    )
    days |= {local(t) for t in vends.values_list("created_at", flat=True).distinct()}
    return days


def rollup_changes(now: datetime | None = None) -> int:
    """The scheduled job: recomputes every day touched since the last run; the first run
    builds every day since the first counter was registered (at most FIRST_RUN_DAYS back).
    Days in a row pass on which counters are in fault. Returns the days recomputed."""
    now = now or timezone.now()
    open_at_end: dict[date, set[int]] = {}

    def first_fact() -> datetime:
        first = Counter.objects.order_by("created_at").values_list("created_at", flat=True).first()
        return max(first or now, now - timedelta(days=FIRST_RUN_DAYS))

    def roll(day: date) -> None:
        carried = open_at_end.get(day - timedelta(days=1))  # None after a gap
        open_at_end[day] = rollup_day(day, now=now, open_at_start=carried)

    return run_rollup(
        MARK, now=now, first_fact=first_fact, touched_days=touched_days, rollup_day=roll
    )
