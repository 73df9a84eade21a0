"""Payments under load, in one process on a fresh database:

* notifications: provider notifications verified (signature, freshness, decryption where
  the provider encrypts) and applied (`payments.services.handle_callback`: the callback log,
  the conditional status UPDATE, the outbox event) per second, per provider, each for a
  different intent, with a genuinely signed body as the provider would send it; the bound
  is the same number of plain conditional UPDATEs of the same intent rows, one transaction
  each, in the same run;
* reconciliation: `payments.statements.match` of a statement of N lines (100,000 by
  default: payments and a tenth as many refunds) against as many paid intents; the bound
  is a plain SQL UPDATE touching the same rows in batches of the same size.

    python -m bench.payments       # SQLite; with DATABASE_URL set, PostgreSQL

The outbox event each applied notification writes is left to the worker (OMNI_EVENTS_DELIVERY=sweep,
as in a deployment with `omniretail worker`): what follows from a payment is another
benchmark's (checkout, group buys).

Environment: BENCH_PAYMENTS_NOTIFICATIONS (2000 per provider), BENCH_PAYMENTS_LINES (100000).
"""

import json
import os
import time
from datetime import datetime, timedelta
from decimal import Decimal

from bench.common import django_database, header, print_table

os.environ.setdefault("OMNI_EVENTS_DELIVERY", "sweep")
NOTIFICATIONS = int(os.environ.get("BENCH_PAYMENTS_NOTIFICATIONS", "2000"))
LINES = int(os.environ.get("BENCH_PAYMENTS_LINES", "100000"))
BATCH = 2000


def _shopper():
    from omniretail.accounts.models import User

    return User.objects.get_or_create(username="bench-payer", phone="13900001234")[0]


def _started_intents(provider: str, n: int, reference_of) -> list:
    """n intents as if started at the provider: processing, with a charge reference."""
    from django.utils import timezone

    from omniretail.core.ids import new_public_id
    from omniretail.payments.models import PaymentIntent

    payer, now = _shopper(), timezone.now()
    ids = [new_public_id() for _ in range(n)]
    rows = [
        PaymentIntent(
            public_id=ids[i],
            purpose="bench",
            reference=f"{provider}-{i}",
            amount=Decimal("19.90"),
            payer=payer,
            provider=provider,
            status=PaymentIntent.Status.PROCESSING,
            provider_reference=reference_of(ids[i], i),
            expires_at=now + timedelta(hours=1),
        )
        for i in range(n)
    ]
    PaymentIntent.objects.bulk_create(rows, batch_size=BATCH)
    return list(PaymentIntent.objects.filter(purpose="bench", provider=provider).order_by("id"))


def _sandbox_notifications(intents) -> list[tuple[bytes, dict]]:
    from django.conf import settings

    from omniretail.core.ids import new_public_id
    from omniretail.core.signing import sign_timestamped
    from omniretail.payments.sandbox_gateway import gateway

    out = []
    for intent in intents:
        body = json.dumps(
            {
                "id": new_public_id(),
                "created": int(time.time()),
                "type": "charge.succeeded",
                "charge_id": intent.provider_reference,
                "merchant_reference": intent.public_id,
                "amount": str(intent.amount),
            }
        ).encode()
        ts, signature = sign_timestamped(settings.OMNI_SANDBOX_GATEWAY_SECRET, body)
        out.append((body, {gateway.TIMESTAMP_HEADER: str(ts), gateway.SIGNATURE_HEADER: signature}))
    return out


def _wechatpay_notifications(intents) -> list[tuple[bytes, dict]]:
    """TRANSACTION.SUCCESS, RSA-signed by the sandbox's platform key, AES-256-GCM encrypted."""
    from omniretail.sandbox_wechatpay.wechat import notification_for

    return [notification_for(intent) for intent in intents]


def _alipay_notifications(intents) -> list[tuple[bytes, dict]]:
    """TRADE_SUCCESS, form-encoded and RSA2-signed by the sandbox's Alipay key."""
    from omniretail.sandbox_alipay.notify import signed_notification

    return [signed_notification(intent) for intent in intents]


# provider -> (builder of (body, headers) per intent as that provider sends it, the charge
# reference the started intent holds)
BUILDERS = {
    "sandbox_gateway": (_sandbox_notifications, lambda intent_id, i: f"R{i}"),
    "wechatpay": (_wechatpay_notifications, lambda intent_id, i: intent_id),
    "alipay": (_alipay_notifications, lambda intent_id, i: intent_id),
}


def _notifications(provider: str, build, reference_of) -> tuple[float, float]:
    """(applied per second, plain conditional UPDATEs per second) for `provider`."""
    from django.db import connection, transaction

    from omniretail.payments import services
    from omniretail.payments.models import PaymentIntent

    intents = _started_intents(provider, NOTIFICATIONS, reference_of)
    notes = build(intents)
    started = time.perf_counter()
    for body, headers in notes:
        log = services.handle_callback(provider=provider, body=body, headers=headers)
        assert log.outcome == "applied", log.outcome
    ours = len(notes) / (time.perf_counter() - started)

    ids = [i.pk for i in intents]
    PaymentIntent.objects.filter(pk__in=ids).update(status="processing")
    table = PaymentIntent._meta.db_table
    sql = (
        f"UPDATE {table} SET status = %s, paid_at = %s, updated_at = %s "
        f"WHERE id = %s AND status IN (%s, %s)"
    )
    started = time.perf_counter()
    for pk in ids:
        with transaction.atomic(), connection.cursor() as cursor:
            now = datetime.now()
            cursor.execute(sql, ["succeeded", now, now, pk, "requires_payment", "processing"])
    bound = len(ids) / (time.perf_counter() - started)
    return ours, bound


def _reconciliation() -> tuple[float, float, int]:
    """(seconds to match LINES statement lines, seconds for the plain UPDATE, mismatches)."""
    from django.db import connection
    from django.utils import timezone

    from omniretail.core.ids import new_public_id
    from omniretail.payments import statements
    from omniretail.payments.models import PaymentIntent, Refund
    from omniretail.payments.providers.base import StatementLine

    PaymentIntent.objects.filter(purpose="bench").delete()  # the notifications' intents
    payer, now = _shopper(), timezone.now()
    refunds_every = 10
    intents = [
        PaymentIntent(
            public_id=new_public_id(),
            purpose="recon",
            reference=str(i),
            amount=Decimal("19.90"),
            payer=payer,
            provider="sandbox_gateway",
            status=PaymentIntent.Status.SUCCEEDED,
            provider_reference=f"C{i}",
            paid_at=now,
        )
        for i in range(LINES)
    ]
    PaymentIntent.objects.bulk_create(intents, batch_size=BATCH)
    saved = list(
        PaymentIntent.objects.filter(purpose="recon").order_by("id").values_list("pk", "public_id")
    )
    refunds = [
        Refund(
            public_id=new_public_id(),
            intent_id=pk,
            amount=Decimal("1.00"),
            status=Refund.Status.SUCCEEDED,
            idempotency_key=f"recon-{pk}",
            request_fingerprint="x",
        )
        for pk, _ in saved[::refunds_every]
    ]
    Refund.objects.bulk_create(refunds, batch_size=BATCH)
    lines = [
        StatementLine(
            intent_id=public_id, provider_reference=f"C{i}", amount=Decimal("19.90"), at=now
        )
        for i, (_, public_id) in enumerate(saved)
    ]
    intent_ids = dict(saved)
    lines += [
        StatementLine(
            intent_id=intent_ids[r.intent_id],
            provider_reference="",
            amount=Decimal("1.00"),
            at=now,
            refund_id=r.public_id,
        )
        for r in refunds
    ]
    day = now.astimezone(statements.CHINA).date()
    started = time.perf_counter()
    matched, mismatches = statements.match(provider="sandbox_gateway", day=day, lines=lines)
    ours = time.perf_counter() - started
    assert matched == len(lines), (matched, len(lines), mismatches[:3])

    pks = [pk for pk, _ in saved]
    table = PaymentIntent._meta.db_table
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for i in range(0, len(pks), BATCH):
            chunk = pks[i : i + BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET updated_at = updated_at WHERE id IN ({marks})", chunk
            )
    bound = time.perf_counter() - started
    return ours, bound, len(mismatches)


def main() -> None:
    with django_database("payments") as label:
        from omniretail.payments import services

        header(f"payments on {label}")
        rows = []
        for provider, (build, reference_of) in BUILDERS.items():
            if not services.provider_enabled(provider):
                print(f"{provider}: not enabled here (its sandbox is off), skipped")
                continue
            ours, bound = _notifications(provider, build, reference_of)
            rows.append([provider, NOTIFICATIONS, round(ours), round(bound), ours / bound])
        print(f"notifications verified and applied, {NOTIFICATIONS} per provider")
        print_table(["provider", "n", "applied/s", "plain UPDATE/s", "ratio"], rows)
        ours, bound, mismatches = _reconciliation()
        print(f"\nreconciliation of {LINES:,} payment lines + {LINES // 10:,} refund lines")
        print_table(
            ["match (s)", "plain UPDATE of the rows (s)", "ratio (bound / ours)", "mismatches"],
            [[ours, bound, bound / ours, mismatches]],
        )


if __name__ == "__main__":
    main()
