"""Reports over the roll-ups only (never raw orders): a period's figures beside those of the
period of the same length just before it."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from omniretail.analytics.models import (
    Channel,
    DailyPlatform,
    DailyProductSales,
    DailySales,
    HourlySales,
)
from omniretail.core.errors import field_error
from omniretail.core.money import money

MAX_DAYS = 366
TOP_PRODUCTS = 20
_SALES = ("orders", "gmv", "refunded", "returns", "return_count")
_MONEY = {"gmv", "refunded", "returns"}
REPLICA = "replica"


def reports_db() -> str:
    """The database the dashboards read the roll-ups from: the read replica where one is
    configured (DATABASE_REPLICA_URL), adding its lag to the roll-ups' own; never for the
    roll-up jobs, which read and write the primary under their locks."""
    return REPLICA if REPLICA in settings.DATABASES else DEFAULT_DB_ALIAS


def rollup(model) -> QuerySet:
    """A roll-up's rows as a dashboard reads them (from reports_db)."""
    return model.objects.using(reports_db())


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def period(start: date | None, end: date | None, *, today: date) -> Period:
    """The asked range, by default the last 30 days to today; refused when it ends before it
    starts or spans more than a year."""
    end = end or today
    start = start or end - timedelta(days=29)
    if end < start:
        raise field_error("end", _("结束日期不能早于开始日期。"))
    if (end - start).days + 1 > MAX_DAYS:
        raise field_error("start", _("日期范围最长 %(days)s 天。") % {"days": MAX_DAYS})
    return Period(start, end)


def _sales(p: Period, merchant=None):
    qs = rollup(DailySales).filter(day__gte=p.start, day__lte=p.end)
    return qs.filter(merchant=merchant) if merchant is not None else qs


def _amounts(row: dict) -> dict:
    """Sums as two-place amounts (SQLite's SUM drops the places), with net = gmv − refunded."""
    row = {k: money(row[k] or 0) if k in _MONEY else v for k, v in row.items()}
    return {**row, "net": row["gmv"] - row["refunded"]}


def _totals(qs) -> dict:
    return _amounts({k: v or 0 for k, v in qs.aggregate(**{k: Sum(k) for k in _SALES}).items()})


def _change(now, before):
    """Percent change from the previous period, None when it had nothing."""
    return round((Decimal(now) - Decimal(before)) * 100 / Decimal(before), 1) if before else None


def _compare(current: dict, previous: dict) -> dict:
    return {
        k: {"value": v, "previous": previous.get(k, 0), "change": _change(v, previous.get(k, 0))}
        for k, v in current.items()
    }


def _daily(qs) -> list[dict]:
    return [
        _amounts(r)
        for r in qs.values("day")
        .annotate(gmv=Sum("gmv"), refunded=Sum("refunded"), orders=Sum("orders"))
        .order_by("day")
    ]


def _by_channel(qs) -> list[dict]:
    labels = dict(Channel.choices)
    rows = qs.values("channel").annotate(
        gmv=Sum("gmv"), refunded=Sum("refunded"), orders=Sum("orders")
    )
    return sorted(
        ({**_amounts(r), "label": str(labels.get(r["channel"], r["channel"]))} for r in rows),
        key=lambda r: -r["gmv"],
    )


def _members(p: Period) -> dict:
    agg = (
        rollup(DailyPlatform)
        .filter(day__gte=p.start, day__lte=p.end)
        .aggregate(new_members=Sum("new_members"), buyers=Sum("buyers"))
    )
    return {k: v or 0 for k, v in agg.items()}


def _by_merchant(qs) -> list[dict]:
    rows = (
        qs.values("merchant_id", "merchant__public_id", "merchant__name")
        .annotate(gmv=Sum("gmv"), refunded=Sum("refunded"), orders=Sum("orders"))
        .order_by("-gmv", "merchant_id")
    )
    return [_amounts(r) for r in rows]


def _by_region(qs) -> list[dict]:
    """Sales per regional operation centre, the one the store's merchant belongs to (a
    merchant without one is a row without a region)."""
    rows = (
        qs.values("merchant__region_id", "merchant__region__name")
        .annotate(gmv=Sum("gmv"), refunded=Sum("refunded"), orders=Sum("orders"))
        .order_by("-gmv", "merchant__region_id")
    )
    return [_amounts(r) for r in rows]


def _by_store(qs) -> list[dict]:
    rows = (
        qs.values("store_id", "store__public_id", "store__name")
        .annotate(gmv=Sum("gmv"), refunded=Sum("refunded"), orders=Sum("orders"))
        .order_by("-gmv", "store_id")
    )
    return [_amounts(r) for r in rows]


def _products(p: Period, limit: int | None = None, **where) -> list[dict]:
    rows = (
        rollup(DailyProductSales)
        .filter(day__gte=p.start, day__lte=p.end, **where)
        .values("sku_id", "product_name", "sku_name")
        .annotate(
            units=Sum("units"),
            units_returned=Sum("units_returned"),
            gmv=Sum("gmv"),
            refunded=Sum("refunded"),
        )
        .order_by("-gmv", "sku_id")
    )
    return [_amounts(r) for r in (rows[:limit] if limit else rows)]


def platform_report(p: Period) -> dict:
    """GMV, orders, refunds, members, channel mix, sales per region and the merchants'
    ranking of the whole platform."""
    prev = p.previous()
    current = {**_totals(_sales(p)), **_members(p)}
    previous = {**_totals(_sales(prev)), **_members(prev)}
    return {
        "period": p,
        "previous_period": prev,
        "figures": _compare(current, previous),
        "channels": _by_channel(_sales(p)),
        "regions": _by_region(_sales(p)),
        "merchants": _by_merchant(_sales(p)),
        "daily": _daily(_sales(p)),
    }


def merchant_report(merchant, p: Period) -> dict:
    """One merchant's sales by store and channel, and its top products."""
    prev = p.previous()
    sales = _sales(p, merchant)
    return {
        "period": p,
        "previous_period": prev,
        "figures": _compare(_totals(sales), _totals(_sales(prev, merchant))),
        "channels": _by_channel(sales),
        "stores": _by_store(sales),
        "products": _products(p, TOP_PRODUCTS, merchant=merchant),
        "daily": _daily(sales),
    }


def store_report(store, p: Period) -> dict:
    """One store's sales by channel and every SKU it sold (the drill-down below a merchant);
    the caller has checked that the store is the reader's to see."""
    prev = p.previous()
    sales = _sales(p, store.merchant).filter(store=store)
    before = _sales(prev, store.merchant).filter(store=store)
    return {
        "period": p,
        "previous_period": prev,
        "figures": _compare(_totals(sales), _totals(before)),
        "channels": _by_channel(sales),
        "products": _products(p, merchant=store.merchant, store=store),
        "daily": _daily(sales),
    }


def hourly(day: date, *, merchant=None, store=None) -> list[dict]:
    """The 24 local hours of one local day (hours without sales included, as zero), from the
    hourly roll-up: the platform's, a merchant's, or one store's."""
    qs = rollup(HourlySales).filter(day=day)
    if merchant is not None:
        qs = qs.filter(merchant=merchant)
    if store is not None:
        qs = qs.filter(store=store)
    sums = {
        r["hour"]: r
        for r in qs.values("hour")
        .annotate(gmv=Sum("gmv"), refunded=Sum("refunded"), orders=Sum("orders"))
        .order_by()
    }
    empty = {"orders": 0, "gmv": 0, "refunded": 0}
    return [_amounts({**empty, **sums.get(h, {}), "hour": h}) for h in range(24)]
