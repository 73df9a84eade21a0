"""Reconciliation: a callback the gateway sent while we were down, or that got lost on the
way, is recovered by asking the provider (its query API, as WeChat Pay's 查询订单 or
Alipay's alipay.trade.query). The sweep asks about every intent still open with a charge at
a provider once it has been quiet for `OMNI_PAYMENT_QUERY_AFTER_SECONDS`, applies a final
answer through the callbacks' own conditional updates (so the answer and a late callback
count once), and closes the charge of an intent past its expiry that is unpaid there."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from omniretail.core.errors import DomainError
from omniretail.payments import services
from omniretail.payments.models import CallbackLog, PaymentIntent
from omniretail.payments.providers import get_provider
from omniretail.payments.providers.base import ProviderUnavailable, QueryNotSupported

logger = logging.getLogger(__name__)


def may_still_succeed() -> QuerySet:
    """Intents whose payment may still succeed, or has and is not yet applied: open with a
    charge at a provider (the payer may have paid; only the provider can say), or paid.
    What such an intent pays for must not be given up (an order cancelled, its stock
    released) until the provider has said it is not paid."""
    return PaymentIntent.objects.filter(
        Q(status__in=PaymentIntent.OPEN) & ~Q(provider_reference="")
        | Q(status__in=PaymentIntent.PAID)
    )


def due_intents(*, now: datetime) -> QuerySet:
    """Open intents with a charge at a provider that have been quiet for the query delay,
    the longest quiet first (an asked intent goes to the back of the queue)."""
    quiet_since = now - timedelta(seconds=settings.OMNI_PAYMENT_QUERY_AFTER_SECONDS)
    return (
        PaymentIntent.objects.filter(status__in=PaymentIntent.OPEN, updated_at__lte=quiet_since)
        .exclude(provider_reference="")
        .order_by("updated_at", "id")
    )


def reconcile_intents(*, now: datetime | None = None, limit: int = 100) -> int:
    """Ask the providers about the due intents and apply what they say; returns how many
    intents reached a final state. A provider that cannot be asked is skipped for the rest
    of this run; its intents are asked again on a later one."""
    now = now or timezone.now()
    unavailable: set[str] = set()
    settled = 0
    for intent in due_intents(now=now)[:limit]:
        if intent.provider in unavailable:
            continue
        try:
            settled += _reconcile(intent, now=now)
        except ProviderUnavailable as exc:
            logger.warning("payment query for intent %s failed: %s", intent.public_id, exc)
            unavailable.add(intent.provider)
            _asked(intent)
        except Exception:  # one intent must not stop the others
            logger.exception("reconciling intent %s failed", intent.public_id)
            _asked(intent)
    return settled


def _reconcile(intent: PaymentIntent, *, now: datetime) -> bool:
    try:
        state = get_provider(intent.provider).query(intent)
    except QueryNotSupported:
        _asked(intent)
        return False
    if state.status == "pending":
        if intent.expires_at is None or intent.expires_at > now:
            _asked(intent)
            return False
        try:  # unpaid and past its expiry: close the charge there, then cancel
            services.cancel_intent(intent=intent)
        except DomainError as exc:  # paid between the query and the close: ask again
            logger.info("closing intent %s refused: %s", intent.public_id, exc.code)
            _asked(intent)
            return False
        return True
    log = services.apply_provider_state(intent=intent, state=state)
    if log is None or log.outcome != CallbackLog.Outcome.APPLIED:
        if log is not None and log.outcome == CallbackLog.Outcome.MISMATCH:
            logger.error("provider answer for intent %s does not match it", intent.public_id)
        _asked(intent)
        return False
    return True


def _asked(intent: PaymentIntent) -> None:
    """Still open after asking: send it to the back of the queue, to be asked again after
    the delay, so that intents nobody can settle never hold up the others."""
    PaymentIntent.objects.filter(pk=intent.pk, status=intent.status).update(
        updated_at=timezone.now()
    )
