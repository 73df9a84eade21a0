"""Today's sales per local hour of one store, read live from its orders by the hourly
roll-up's rule (docs/analytics.md): every order paid today counts in the local hour of its
`paid_at`, with its `total` and what was refunded of it. The merchant dashboard shows these
beside a past day's roll-up rather than wait up to 600 s for today's; once the roll-up has
run they are its rows, so the dashboard and the report agree."""

from django.db.models import Count, Sum
from django.db.models.functions import ExtractHour
from django.utils import timezone

from omniretail.analytics.services import day_bounds
from omniretail.core.money import money
from omniretail.orders.models import Order


def hours_today(store, now=None) -> list[dict]:
    """The 24 hours of the local day (zero where nothing sold): hour, orders, gmv, refunded,
    net, as `selectors.hourly` gives them."""
    start, end = day_bounds(timezone.localdate(now or timezone.now()))
    sums = {
        r["hour"]: r
        for r in Order.objects.filter(store=store, paid_at__gte=start, paid_at__lt=end)
        .annotate(hour=ExtractHour("paid_at", tzinfo=timezone.get_current_timezone()))
        .values("hour")
        .annotate(orders=Count("pk"), gmv=Sum("total"), refunded=Sum("amount_refunded"))
        .order_by()
    }
    rows = []
    for hour in range(24):
        row = sums.get(hour, {})
        gmv, refunded = money(row.get("gmv") or 0), money(row.get("refunded") or 0)
        rows.append(
            {
                "hour": hour,
                "orders": row.get("orders", 0),
                "gmv": gmv,
                "refunded": refunded,
                "net": gmv - refunded,
            }
        )
    return rows
