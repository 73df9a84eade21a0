"""以销定产 (docs/analytics.md): a producer's production suggestion per SKU and region, from
the SKU roll-up (net of returned units, so refunds count) and today's stock in the region.

Method, kept simple so a producer can check it by hand: weekly net units sold per SKU and
region over the last HISTORY_WEEKS whole weeks; the forecast for each coming week is their
weighted moving average (the latest week weighs most, weights 1..n, supply.selectors.
forecast); the suggestion is what covers HORIZON_WEEKS of that forecast beyond the stock
on hand in the region, never below zero. The method's error is measured on the last
BACKTEST_WEEKS weeks: each is forecast from the HISTORY_WEEKS weeks before it and compared
with what was sold (mean absolute error in units, and as a share of units sold)."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Sum
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator, organizations_of
from omniretail.analytics.models import DailyProductSales
from omniretail.analytics.selectors import rollup
from omniretail.core.errors import NotFound
from omniretail.inventory.models import StockLevel
from omniretail.supply.models import Offer
from omniretail.supply.selectors import forecast

HISTORY_WEEKS = 8
BACKTEST_WEEKS = 4
HORIZON_WEEKS = 4


def producer_for(user, public_id: str | None = None) -> tuple[Organization, list]:
    """(the producer shown, the producers the user may choose from): their own, or any for
    the platform; `public_id` picks one of them, anything else is a 404."""
    choices = (
        Organization.objects.filter(kind=Organization.Kind.PRODUCER)
        if is_platform_operator(user)
        else organizations_of(user, kinds=[Organization.Kind.PRODUCER])
    ).order_by("name")
    chosen = (choices.filter(public_id=public_id) if public_id else choices).first()
    if chosen is None:
        raise NotFound(_("找不到该生产商。"))
    return chosen, list(choices)


def week_starts(today: date) -> list[date]:
    """Mondays of the whole weeks read, oldest first (the current week is left out)."""
    this_monday = today - timedelta(days=today.weekday())
    n = HISTORY_WEEKS + BACKTEST_WEEKS
    return [this_monday - timedelta(days=7 * (n - i)) for i in range(n)]


def _region_of(kind: str, org_id: int, region_id: int | None) -> int | None:
    """The region a stock location's organisation stands in: a merchant's centre, or the
    centre itself (its warehouse)."""
    if kind == Organization.Kind.REGION:
        return org_id
    return region_id


def plan(producer: Organization, *, today: date) -> dict:
    """Rows per SKU and region (with sales or stock), by SKU then region, with their
    history, forecast, backtest error, stock and suggestion; and the method's overall
    error."""
    offers = {
        o.sku_id: o
        for o in Offer.objects.filter(producer=producer).select_related("sku", "product")
    }
    weeks = week_starts(today)
    start, end = weeks[0], weeks[-1] + timedelta(days=7)
    sold: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(weeks))
    for sku_id, region_id, day, units in (
        rollup(DailyProductSales)
        .filter(sku_id__in=list(offers), day__gte=start, day__lt=end)
        .values_list("sku_id", "merchant__region_id", "day")
        .annotate(units=Sum(F("units") - F("units_returned")))
        .order_by()
    ):
        sold[(sku_id, region_id)][(day - start).days // 7] += units or 0
    stock: dict[tuple, int] = defaultdict(int)
    for sku_id, kind, org_id, region_id, units in (
        StockLevel.objects.filter(sku_id__in=list(offers))
        .values_list(
            "sku_id",
            "location__organization__kind",
            "location__organization_id",
            "location__organization__region_id",
        )
        .annotate(units=Sum(F("on_hand") - F("reserved")))
        .order_by()
    ):
        if kind in (Organization.Kind.REGION, Organization.Kind.MERCHANT):
            stock[(sku_id, _region_of(kind, org_id, region_id))] += max(units or 0, 0)
    regions = dict(
        Organization.objects.filter(kind=Organization.Kind.REGION).values_list("pk", "name")
    )
    rows = []
    errors = actuals = 0
    for key in sorted(set(sold) | set(stock), key=lambda k: (offers[k[0]].sku.code, k[1] or 0)):
        sku_id, region_id = key
        series = sold.get(key, [0] * len(weeks))
        row_error = 0
        for i in range(HISTORY_WEEKS, len(weeks)):
            row_error += abs(forecast(series[i - HISTORY_WEEKS : i])[0] - series[i])
        backtest_actual = sum(series[HISTORY_WEEKS:])
        errors += row_error
        actuals += backtest_actual
        weekly = forecast(series[-HISTORY_WEEKS:])[0]
        on_hand = stock.get(key, 0)
        offer = offers[sku_id]
        rows.append(
            {
                "sku": offer.sku.code,
                "product": offer.product.name,
                "sku_name": offer.sku.name,
                "region": regions.get(region_id) or _("未分区域"),
                "history": series[-HISTORY_WEEKS:],
                "last_week": series[-1],
                "forecast": weekly,
                "mae": (Decimal(row_error) / BACKTEST_WEEKS).quantize(Decimal("0.1")),
                "stock": on_hand,
                "suggested": max(weekly * HORIZON_WEEKS - on_hand, 0),
            }
        )
    return {
        "weeks": weeks[-HISTORY_WEEKS:],
        "rows": rows,
        "error_percent": round(errors * 100 / actuals, 1) if actuals else None,
        "history_weeks": HISTORY_WEEKS,
        "backtest_weeks": BACKTEST_WEEKS,
        "horizon_weeks": HORIZON_WEEKS,
    }
