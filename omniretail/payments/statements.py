"""Daily reconciliation (对账): each provider's statement of a day, in its own format, is
matched against the payments and refunds we hold as done, and every difference is kept:
missing (we hold it paid, the provider does not), extra (the provider took money we do
not know of), amount (both, different amounts) and refund (a refund on one side only, or
of another amount). A line of another day that matches an intent of ours exactly counts
as matched (a payment at 23:59:59 may be on the next day's statement)."""

import logging
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import islice
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from omniretail.payments import providers
from omniretail.payments.models import Mismatch, PaymentIntent, Reconciliation, Refund
from omniretail.payments.providers.base import (
    ProviderUnavailable,
    QueryNotSupported,
    StatementLine,
)

logger = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")
BATCH = 2000
Kind = Mismatch.Kind


def reconcile_day(*, provider: str, day: date) -> Reconciliation:
    """Download `provider`'s statement of `day` and match it; run again, it replaces the
    day's findings. A provider without statements, or one that cannot be reached, leaves
    the day recorded with the error and no findings."""
    try:
        lines = list(providers.get_provider(provider).statement(day))
    except (ProviderUnavailable, QueryNotSupported) as exc:
        return _save(provider, day, lines=0, matched=0, mismatches=[], error=str(exc) or "n/a")
    matched, mismatches = match(provider=provider, day=day, lines=lines)
    return _save(provider, day, lines=len(lines), matched=matched, mismatches=mismatches)


def match(
    *, provider: str, day: date, lines: Iterable[StatementLine]
) -> tuple[int, list[Mismatch]]:
    """The number of lines that agree with us, and each difference (unsaved)."""
    payments: dict[str, StatementLine] = {}
    refunds: dict[str, StatementLine] = {}
    for line in lines:
        (refunds if line.refund_id else payments)[line.refund_id or line.intent_id] = line
    start = datetime.combine(day, datetime.min.time(), tzinfo=CHINA)
    end = start + timedelta(days=1)
    found: list[Mismatch] = []
    matched = 0

    ours = PaymentIntent.objects.filter(
        provider=provider, status__in=PaymentIntent.PAID, paid_at__gte=start, paid_at__lt=end
    ).values_list("public_id", "amount", "provider_reference")
    for intent_id, amount, reference in ours.iterator(chunk_size=BATCH):
        listed = payments.pop(intent_id, None)
        if listed is None:
            found.append(
                Mismatch(
                    kind=Kind.MISSING,
                    intent_id=intent_id,
                    ours=amount,
                    provider_reference=reference,
                )
            )
        elif listed.amount != amount:
            found.append(_differs(Kind.AMOUNT, listed, ours=amount))
        else:
            matched += 1
    for chunk in _chunks(payments.values()):
        known = dict(
            PaymentIntent.objects.filter(
                provider=provider,
                status__in=PaymentIntent.PAID,
                public_id__in=[line.intent_id for line in chunk],
            ).values_list("public_id", "amount")
        )
        for line in chunk:
            held = known.get(line.intent_id)
            if held is None:
                found.append(_differs(Kind.EXTRA, line, ours=None))
            elif held != line.amount:
                found.append(_differs(Kind.AMOUNT, line, ours=held))
            else:
                matched += 1

    ours_refunds = Refund.objects.filter(
        intent__provider=provider,
        status=Refund.Status.SUCCEEDED,
        updated_at__gte=start,
        updated_at__lt=end,
    ).values_list("public_id", "amount", "intent__public_id")
    for refund_id, amount, intent_id in ours_refunds.iterator(chunk_size=BATCH):
        listed = refunds.pop(refund_id, None)
        if listed is None or listed.amount != amount:
            found.append(
                Mismatch(
                    kind=Kind.REFUND,
                    intent_id=intent_id,
                    refund_id=refund_id,
                    ours=amount,
                    theirs=listed.amount if listed else None,
                )
            )
        else:
            matched += 1
    for chunk in _chunks(refunds.values()):
        known = dict(
            Refund.objects.filter(
                intent__provider=provider,
                status=Refund.Status.SUCCEEDED,
                public_id__in=[line.refund_id for line in chunk],
            ).values_list("public_id", "amount")
        )
        for line in chunk:
            held = known.get(line.refund_id)
            if held == line.amount:
                matched += 1
            else:
                found.append(_differs(Kind.REFUND, line, ours=held))
    return matched, found


def reconcile_yesterday(*, now: datetime | None = None) -> int:
    """The daily job: yesterday (China time) for every enabled provider that keeps
    statements and has not been reconciled for it yet; returns how many ran."""
    day = (now or timezone.now()).astimezone(CHINA).date() - timedelta(days=1)
    done = set(Reconciliation.objects.filter(day=day, error="").values_list("provider", flat=True))
    ran = 0
    for provider in providers.enabled():
        if provider.name in done or type(provider).statement is _NO_STATEMENT:
            continue
        reconcile_day(provider=provider.name, day=day)
        ran += 1
    return ran


def findings(reconciliation: Reconciliation) -> tuple[list[str], list[list[str]]]:
    """The findings for finance staff, a header then one row per difference, amounts in
    yuan (the CSV download)."""
    header = ["差异类型", "支付单", "退款单", "渠道单号", "平台金额", "渠道金额"]
    rows = [
        [
            m.get_kind_display(),
            m.intent_id,
            m.refund_id,
            m.provider_reference,
            "" if m.ours is None else str(m.ours),
            "" if m.theirs is None else str(m.theirs),
        ]
        for m in reconciliation.mismatches.order_by("id")
    ]
    return header, rows


_NO_STATEMENT = providers.PaymentProvider.statement


def _differs(kind: str, line: StatementLine, *, ours: Decimal | None) -> Mismatch:
    return Mismatch(
        kind=kind,
        intent_id=line.intent_id,
        refund_id=line.refund_id,
        provider_reference=line.provider_reference,
        ours=ours,
        theirs=line.amount,
    )


def _chunks(lines: Iterable[StatementLine]) -> Iterator[list[StatementLine]]:
    it = iter(lines)
    while chunk := list(islice(it, BATCH)):
        yield chunk


def _save(
    provider: str, day: date, *, lines: int, matched: int, mismatches: list, error: str = ""
) -> Reconciliation:
    with transaction.atomic():
        run, _ = Reconciliation.objects.select_for_update().get_or_create(
            provider=provider, day=day
        )
        run.statement_lines, run.matched, run.error = lines, matched, error[:300]
        run.save()
        run.mismatches.all().delete()
        for m in mismatches:
            m.reconciliation = run
        Mismatch.objects.bulk_create(mismatches, batch_size=BATCH)
    if mismatches or error:
        logger.warning(
            "reconciliation %s %s: %d mismatches %s", provider, day, len(mismatches), error
        )
    return run
