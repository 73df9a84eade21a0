"""Counters' reports over their daily roll-ups only (rollup_counters): the scan -> pay -> vend
funnel with its conversion rates, faults by kind and uptime per counter, for the platform, a
merchant, one counter, and a producer's own goods (docs/analytics.md, "Counters")."""

from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from omniretail.analytics.models import DailyCounter, DailyCounterFault, DailyCounterProduct
from omniretail.analytics.selectors import Period, _compare, rollup
from omniretail.core.money import money
from omniretail.counters.models import DeviceEvent

FUNNEL = ("scans", "leads", "conversions", "started", "paid", "vended", "failed")
AMOUNTS = ("refunded", "sales")
MINUTES = ("minutes", "up_minutes", "fault_minutes")
COUNTER_SUMS = (*FUNNEL, "scanners", "refund_count", "units", *AMOUNTS, "faults", "tampers")
COUNTER_SUMS += (*MINUTES, "repair_drop_offs")
PRODUCT_SUMS = (*FUNNEL, "units", *AMOUNTS)
RATES = {  # name -> (numerator, denominator)
    "scan_to_pay": ("paid", "scans"),
    "pay_to_vend": ("vended", "paid"),
    "scan_to_vend": ("vended", "scans"),
    "lead_to_sale": ("conversions", "leads"),
}


def rate(part, whole) -> Decimal | None:
    """A percentage with one place, None when there is nothing to divide by."""
    return round(Decimal(part) * 100 / Decimal(whole), 1) if whole else None


def _with_rates(row: dict) -> dict:
    """Sums as the page shows them: amounts with two places (SQLite sums drop them), the
    conversion rates, uptime as a percentage of the minutes in scope."""
    row = {k: (money(v or 0) if k in AMOUNTS else (v or 0)) for k, v in row.items()}
    for name, (part, whole) in RATES.items():
        if part in row and whole in row:
            row[name] = rate(row[part], row[whole])
    if "minutes" in row:
        row["uptime"] = rate(row["up_minutes"], row["minutes"])
    return row


def _totals(qs, keys) -> dict:
    return _with_rates(qs.aggregate(**{k: Sum(k) for k in keys}))


def _daily(qs, keys) -> list[dict]:
    return [
        _with_rates(r)
        for r in qs.values("day").annotate(**{k: Sum(k) for k in keys}).order_by("day")
    ]


def _days(model, p: Period, **where):
    return rollup(model).filter(day__gte=p.start, day__lte=p.end, **where)


def _faults(p: Period, **where) -> list[dict]:
    labels = dict(DeviceEvent.Kind.choices)
    rows = (
        _days(DailyCounterFault, p, **where)
        .values("kind", "reason")
        .annotate(count=Sum("count"))
        .order_by("-count", "kind", "reason")
    )
    return [{**r, "label": str(labels.get(r["kind"], r["kind"]))} for r in rows]


def _counters(qs) -> list[dict]:
    """Per counter, worst uptime first (a counter with no minutes in scope last)."""
    rows = [
        _with_rates(r)
        for r in qs.values(
            "counter_id",
            "counter__code",
            "counter__name",
            "counter__store__name",
            "merchant__public_id",
            "merchant__name",
        ).annotate(**{k: Sum(k) for k in COUNTER_SUMS})
    ]
    return sorted(
        rows,
        key=lambda r: (r["uptime"] is None, r["uptime"] or 0, r["counter__code"]),
    )


def _compared(current: dict, previous: dict) -> dict:
    """_compare, with a rate of no base (None) shown as such and compared with nothing."""
    out = _compare({k: v for k, v in current.items() if v is not None}, previous)
    for k, v in current.items():
        if v is None:
            out[k] = {"value": None, "previous": previous.get(k), "change": None}
    return out


def _report(p: Period, **where) -> dict:
    prev = p.previous()
    qs = _days(DailyCounter, p, **where)
    current = _totals(qs, COUNTER_SUMS)
    previous = _totals(_days(DailyCounter, prev, **where), COUNTER_SUMS)
    return {
        "period": p,
        "previous_period": prev,
        "figures": _compared(current, previous),
        "daily": _daily(qs, COUNTER_SUMS),
        "faults": _faults(p, **where),
        "counters": _counters(qs),
    }


def platform_report(p: Period) -> dict:
    """Every counter of the platform, and per merchant (the drill-down's first level)."""
    report = _report(p)
    merchants = (
        _days(DailyCounter, p)
        .values("merchant_id", "merchant__public_id", "merchant__name")
        .annotate(**{k: Sum(k) for k in COUNTER_SUMS})
    )
    report["merchants"] = sorted(
        (_with_rates(r) for r in merchants), key=lambda r: (-r["scans"], r["merchant_id"])
    )
    return report


def merchant_report(merchant, p: Period) -> dict:
    """A merchant's counters: the funnel, faults by kind, each counter's uptime."""
    return _report(p, merchant=merchant)


def counter_report(counter, p: Period) -> dict:
    """One counter: its funnel by day, its products' funnels, its faults by kind."""
    report = _report(p, counter=counter)
    report["products"] = _products(_days(DailyCounterProduct, p, counter=counter))
    return report


def _products(qs, *, region: bool = False) -> list[dict]:
    keys = ["product_id", "product_name", *(["region"] if region else [])]
    rows = qs.values(*keys).annotate(**{k: Sum(k) for k in PRODUCT_SUMS})
    return sorted(
        ({**_with_rates(r), "product_name": r["product_name"] or _("未关联商品")} for r in rows),
        key=lambda r: (-r["scans"], -r["vended"], r["product_name"], r.get("region", "")),
    )


def producer_funnel(producer, p: Period) -> dict:
    """A producer's own goods on every counter: scans -> leads -> sales (leads converted by a
    paid order of the product, and units vended at the counters), beside the previous period
    of the same length, per product and region and per day. For the producer's pages; only
    rows of products `producer` owns are read.

    Returns {"period", "previous_period", "figures": {name: {"value", "previous",
    "change"}}, "products": [...], "daily": [...]}; figures and rows hold scans, leads,
    conversions, started, paid, vended, failed, units, refunded, sales and the rates
    scan_to_pay, pay_to_vend, scan_to_vend, lead_to_sale (percent, None without a base)."""
    prev = p.previous()
    qs = _days(DailyCounterProduct, p, producer=producer)
    current = _totals(qs, PRODUCT_SUMS)
    previous = _totals(_days(DailyCounterProduct, prev, producer=producer), PRODUCT_SUMS)
    return {
        "period": p,
        "previous_period": prev,
        "figures": _compared(current, previous),
        "products": _products(qs, region=True),
        "daily": _daily(qs, PRODUCT_SUMS),
    }
