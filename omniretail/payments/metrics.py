"""Business figures for /metrics (core.observability): read at each scrape, so every
process reports the same totals."""

from collections.abc import Iterable

from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, Metric

from omniretail.payments import providers
from omniretail.payments.models import CallbackLog, PaymentIntent

# A callback that changed nothing because it was not genuine, current or ours.
ACCEPTED = (CallbackLog.Outcome.APPLIED, CallbackLog.Outcome.DUPLICATE)


def collect() -> Iterable[Metric]:
    succeeded = CounterMetricFamily(
        "omniretail_payments_succeeded",
        "Payment intents paid (refunded ones included: they were paid first).",
        labels=["provider"],
    )
    paid = dict(
        PaymentIntent.objects.filter(status__in=PaymentIntent.PAID)
        .values_list("provider")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for provider in sorted({p.name for p in providers.enabled()} | set(paid)):
        succeeded.add_metric([provider], paid.get(provider, 0))
    yield succeeded

    refused = CounterMetricFamily(
        "omniretail_payment_callbacks_refused",
        "Gateway callbacks that changed nothing: forged, stale, malformed, unknown, "
        "mismatched, or going backwards (applied and duplicate ones are not counted).",
        labels=["outcome"],
    )
    counts = dict(
        CallbackLog.objects.exclude(outcome__in=ACCEPTED)
        .values_list("outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for outcome in CallbackLog.Outcome.values:
        if outcome not in ACCEPTED:
            refused.add_metric([outcome], counts.get(outcome, 0))
    yield refused
