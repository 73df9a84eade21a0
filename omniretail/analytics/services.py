"""Roll-ups: a day is recomputed whole from raw rows in one transaction, so running it
again gives the same rows (idempotent) and only days touched since the last run are
recomputed (incremental). Convention (docs/analytics.md): a sale belongs to the local day it
was paid; what is later refunded of it lowers that day (`refunded`) and also counts as a
return on the day the refund succeeded (`returns`)."""

from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from omniretail.analytics.models import (
    Channel,
    DailyPlatform,
    DailyProductSales,
    DailySales,
    HourlySales,
    RollupMark,
)
from omniretail.groupbuy.models import Member as GroupMember
from omniretail.orders.models import Order, OrderLine
from omniretail.payments.models import Refund
from omniretail.pointsmall.models import Redemption

ORDER_PURPOSE = "order"  # orders' payment purpose (orders.handlers.PURPOSE)
MARK = "sales"
F = Order.Fulfilment
_BY_FULFILMENT = {
    F.DELIVERY: Channel.DELIVERY,
    F.PICKUP: Channel.PICKUP,
    F.IN_STORE: Channel.TILL,
    F.COUNTER: Channel.COUNTER,
}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def channels_of(orders) -> dict[int, str]:
    """Order id -> channel: its origin (a points-mall redemption, a group-buy seat) first,
    else its fulfilment."""
    ids = [o.pk for o in orders]
    points = set(Redemption.objects.filter(order_id__in=ids).values_list("order_id", flat=True))
    group = set(GroupMember.objects.filter(order_id__in=ids).values_list("order_id", flat=True))
    channels = {}
    for o in orders:
        if o.pk in points:
            channels[o.pk] = Channel.POINTS_MALL
        elif o.pk in group:
            channels[o.pk] = Channel.GROUP_BUY
        else:
            channels[o.pk] = _BY_FULFILMENT.get(o.fulfilment, Channel.DELIVERY)
    return channels


def refunds_on(day: date) -> list[tuple[str, Decimal]]:
    """(order public id, amount) of the order refunds that succeeded on `day`."""
    start, end = day_bounds(day)
    return list(
        Refund.objects.filter(
            status=Refund.Status.SUCCEEDED,
            updated_at__gte=start,
            updated_at__lt=end,
            intent__purpose=ORDER_PURPOSE,
        ).values_list("intent__reference", "amount")
    )


@transaction.atomic
def rollup_day(day: date) -> None:
    """Rewrites the day's rows from raw orders, lines and refunds. The day's platform row is
    locked first, so two runs of the same day (a slow run overlapping the next) take turns."""
    DailyPlatform.objects.get_or_create(day=day)
    DailyPlatform.objects.select_for_update().get(day=day)
    start, end = day_bounds(day)
    sold = list(
        Order.objects.filter(paid_at__gte=start, paid_at__lt=end).only(
            "pk",
            "merchant_id",
            "store_id",
            "fulfilment",
            "total",
            "amount_refunded",
            "shopper_id",
            "paid_at",
        )
    )
    refunds = refunds_on(day)
    refunded_orders = list(
        Order.objects.filter(public_id__in={ref for ref, _ in refunds}).only(
            "pk", "public_id", "merchant_id", "store_id", "fulfilment"
        )
    )
    channel = channels_of(sold + refunded_orders)
    cells: dict[tuple, dict] = defaultdict(
        lambda: {
            "orders": 0,
            "gmv": Decimal(0),
            "refunded": Decimal(0),
            "returns": Decimal(0),
            "return_count": 0,
        }
    )
    hours: dict[tuple, dict] = defaultdict(
        lambda: {"orders": 0, "gmv": Decimal(0), "refunded": Decimal(0)}
    )
    for o in sold:
        for cell in (
            cells[(o.merchant_id, o.store_id, channel[o.pk])],
            hours[(o.merchant_id, o.store_id, timezone.localtime(o.paid_at).hour)],
        ):
            cell["orders"] += 1
            cell["gmv"] += o.total
            cell["refunded"] += o.amount_refunded
    by_ref = {o.public_id: o for o in refunded_orders}
    for ref, amount in refunds:
        o = by_ref.get(ref)
        if o is None:
            continue
        cell = cells[(o.merchant_id, o.store_id, channel[o.pk])]
        cell["returns"] += amount
        cell["return_count"] += 1
    DailySales.objects.filter(day=day).delete()
    DailySales.objects.bulk_create(
        DailySales(day=day, merchant_id=m, store_id=s, channel=c, **v)
        for (m, s, c), v in cells.items()
    )
    HourlySales.objects.filter(day=day).delete()
    HourlySales.objects.bulk_create(
        HourlySales(day=day, merchant_id=m, store_id=s, hour=h, **v)
        for (m, s, h), v in hours.items()
    )

    products: dict[tuple, dict] = {}
    for line in OrderLine.objects.filter(order__paid_at__gte=start, order__paid_at__lt=end).values(
        "order__merchant_id",
        "order__store_id",
        "sku_id",
        "product_name",
        "sku_name",
        "quantity",
        "quantity_returned",
        "unit_price",
        "line_total",
    ):
        key = (line["order__merchant_id"], line["order__store_id"], line["sku_id"])
        row = products.setdefault(
            key,
            {
                "product_name": line["product_name"],
                "sku_name": line["sku_name"],
                "units": 0,
                "units_returned": 0,
                "gmv": Decimal(0),
                "refunded": Decimal(0),
            },
        )
        row["units"] += line["quantity"]
        row["units_returned"] += line["quantity_returned"]
        row["gmv"] += line["line_total"]
        row["refunded"] += line["quantity_returned"] * line["unit_price"]
    DailyProductSales.objects.filter(day=day).delete()
    DailyProductSales.objects.bulk_create(
        DailyProductSales(day=day, merchant_id=m, store_id=st, sku_id=s, **v)
        for (m, st, s), v in products.items()
    )

    members = get_user_model().objects.filter(date_joined__gte=start, date_joined__lt=end)
    DailyPlatform.objects.update_or_create(
        day=day,
        defaults={
            "new_members": members.count(),
            "buyers": len({o.shopper_id for o in sold if o.shopper_id}),
        },
    )


def lock_day(job: str, day: date) -> None:
    """Two runs of a job's same day (a slow run overlapping the next) take turns; SQLite's
    writers already do."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"{job}:{day}"]
            )


def touched_days(since: datetime, now: datetime) -> set[date]:
    """Local days whose figures may have changed since `since`: today, sale days of orders
    changed or paid since, and for each refund since, its own day and its sale's day."""
    local = timezone.localdate
    days = {local(now)}
    changed = Order.objects.filter(paid_at__isnull=False).filter(
        updated_at__gte=since
    ) | Order.objects.filter(paid_at__gte=since)
    days |= {local(t) for t in changed.values_list("paid_at", flat=True).distinct()}
    refunds = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED, updated_at__gte=since, intent__purpose=ORDER_PURPOSE
    ).values_list("updated_at", "intent__reference")
    refs = set()
    for at, ref in refunds:
        days.add(local(at))
        refs.add(ref)
    paid = Order.objects.filter(public_id__in=refs, paid_at__isnull=False)
    days |= {local(t) for t in paid.values_list("paid_at", flat=True)}
    return days


def days_between(first: date, last: date) -> set[date]:
    """Every day from `first` to `last`, both included."""
    return {first + timedelta(days=n) for n in range((last - first).days + 1)}


OVERLAP = timedelta(minutes=5)  # a row committed just before the last mark is seen again


def run_rollup(
    name: str,
    *,
    now: datetime,
    first_fact: Callable[[], datetime | None],
    touched_days: Callable[[datetime, datetime], set[date]],
    rollup_day: Callable[[date], object],
) -> int:
    """Every roll-up job's run: the first (no mark `name` yet) builds every local day from
    the first fact to today; later ones the days touched since the last mark, less OVERLAP.
    Days go oldest first, then the mark moves to `now`. Returns the days recomputed."""
    mark = RollupMark.objects.filter(name=name).first()
    if mark is None:
        first = first_fact()
        local = timezone.localdate
        days = touched_days(first or now, now) | days_between(local(first or now), local(now))
    else:
        days = touched_days(mark.until - OVERLAP, now)
    for day in sorted(days):
        rollup_day(day)
    RollupMark.objects.update_or_create(name=name, defaults={"until": now})
    return len(days)


def _first_sale() -> datetime | None:
    paid = Order.objects.filter(paid_at__isnull=False).order_by("paid_at")
    return paid.values_list("paid_at", flat=True).first()


def rollup_changes(now: datetime | None = None) -> int:
    """The scheduled job: recomputes every day touched since the last run; the first run
    builds every day with sales. Returns the number of days recomputed."""
    return run_rollup(
        MARK,
        now=now or timezone.now(),
        first_fact=_first_sale,
        touched_days=touched_days,
        rollup_day=rollup_day,
    )
