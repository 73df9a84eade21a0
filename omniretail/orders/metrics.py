"""Business figures for /metrics (core.observability): read at each scrape, so every
process reports the same totals."""

from collections.abc import Iterable

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, Metric

from omniretail.orders.models import Order


def collect() -> Iterable[Metric]:
    placed = CounterMetricFamily(
        "omniretail_orders_placed",
        "Orders placed (checked out), whatever became of them since.",
        labels=["fulfilment"],
    )
    counts = dict(Order.objects.values_list("fulfilment").annotate(n=Count("pk")).order_by())
    for fulfilment in Order.Fulfilment.values:
        placed.add_metric([fulfilment], counts.get(fulfilment, 0))
    yield placed
