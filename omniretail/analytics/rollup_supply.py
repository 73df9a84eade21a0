"""The supply roll-up (models_supply.DailySupply), the scheduled job behind the producer and
region dashboards: a day is recomputed whole from shipments, order lines and reviews in one
transaction (idempotent), and only days touched since the last run are recomputed
(incremental). Sales follow the sales roll-up's convention (services): a sale belongs to the
local day it was paid and what is later returned of it lowers that day."""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from omniretail.analytics.models import DailySupply
from omniretail.analytics.services import day_bounds, lock_day, run_rollup, touched_days
from omniretail.orders.models import Order, OrderLine
from omniretail.reviews.models import ProductReview
from omniretail.supply.models import Shipment, ShipmentLine

MARK = "supply"
LOW_RATING = 2  # a review of 1 or 2 stars counts as a low rating
_ZERO = {
    "units_shipped": 0,
    "units_received": 0,
    "units_sold": 0,
    "units_returned": 0,
    "gmv": Decimal(0),
    "refunded": Decimal(0),
    "reviews": 0,
    "rating_sum": 0,
    "low_ratings": 0,
}


@transaction.atomic
def rollup_supply_day(day: date) -> None:
    """Rewrites the day's rows: stock shipped and received, the producers' goods sold by
    each retailer (less what was returned of them), and the reviews written that day."""
    lock_day(MARK, day)
    start, end = day_bounds(day)
    cells: dict[tuple, dict] = defaultdict(lambda: dict(_ZERO))
    key = ("producer_pk", "region_pk", "retailer_pk", "sku_pk")

    def add(rows, **columns):
        for r in rows:
            cell = cells[tuple(r[k] for k in key)]
            for column, source in columns.items():
                cell[column] += r[source] or 0

    lines = ShipmentLine.objects.values(
        producer_pk=F("po_line__producer_id"),
        region_pk=F("shipment__order__region_id"),
        retailer_pk=F("shipment__order__retailer_id"),
        sku_pk=F("po_line__sku_id"),
    ).order_by()
    add(
        lines.filter(shipment__created_at__gte=start, shipment__created_at__lt=end).annotate(
            n=Sum("quantity")
        ),
        units_shipped="n",
    )
    add(
        lines.filter(shipment__received_at__gte=start, shipment__received_at__lt=end).annotate(
            n=Sum("quantity_received")
        ),
        units_received="n",
    )
    add(
        OrderLine.objects.filter(
            order__paid_at__gte=start, order__paid_at__lt=end, sku__offer__isnull=False
        )
        .values(
            producer_pk=F("sku__offer__producer_id"),
            region_pk=F("order__merchant__region_id"),
            retailer_pk=F("order__merchant_id"),
            sku_pk=F("sku_id"),
        )
        .annotate(
            sold=Sum("quantity"),
            returned=Sum("quantity_returned"),
            amount=Sum("line_total"),
            back=Sum(F("quantity_returned") * F("unit_price")),
        )
        .order_by(),
        units_sold="sold",
        units_returned="returned",
        gmv="amount",
        refunded="back",
    )
    add(
        ProductReview.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            hidden_at__isnull=True,
            sku__offer__isnull=False,
        )
        .values(
            producer_pk=F("sku__offer__producer_id"),
            region_pk=F("merchant__region_id"),
            retailer_pk=F("merchant_id"),
            sku_pk=F("sku_id"),
        )
        .annotate(
            n=Count("id"), stars=Sum("rating"), low=Count("id", filter=Q(rating__lte=LOW_RATING))
        )
        .order_by(),
        reviews="n",
        rating_sum="stars",
        low_ratings="low",
    )
    DailySupply.objects.filter(day=day).delete()
    DailySupply.objects.bulk_create(
        DailySupply(day=day, producer_id=p, region_id=r, retailer_id=m, sku_id=s, **values)
        for (p, r, m, s), values in cells.items()
    )


def supply_touched_days(since: datetime, now: datetime) -> set[date]:
    """The sales roll-up's touched days (orders paid or changed, refunds and their sales'
    days), and the days of shipments sent or received and of reviews written or hidden
    since `since`."""
    local = timezone.localdate
    days = touched_days(since, now)
    for sent, received in Shipment.objects.filter(
        Q(created_at__gte=since) | Q(received_at__gte=since)
    ).values_list("created_at", "received_at"):
        days |= {local(t) for t in (sent, received) if t is not None}
    days |= {
        local(t)
        for t in ProductReview.objects.filter(
            Q(created_at__gte=since) | Q(hidden_at__gte=since)
        ).values_list("created_at", flat=True)
    }
    return days


def _first_event() -> datetime | None:
    firsts = [
        Order.objects.filter(paid_at__isnull=False)
        .order_by("paid_at")
        .values_list("paid_at", flat=True)
        .first(),
        Shipment.objects.order_by("created_at").values_list("created_at", flat=True).first(),
        ProductReview.objects.order_by("created_at").values_list("created_at", flat=True).first(),
    ]
    return min((t for t in firsts if t is not None), default=None)


def rollup_supply_changes(now: datetime | None = None) -> int:
    """The scheduled job: recomputes every day touched since the last run; the first run
    builds every day from the first sale, shipment or review. Returns the days recomputed."""
    return run_rollup(
        MARK,
        now=now or timezone.now(),
        first_fact=_first_event,
        touched_days=supply_touched_days,
        rollup_day=rollup_supply_day,
    )
