"""The kernel's background work: SMS sent once per key, and its periodic sweeps (the outbox,
ended throttle windows, old run records)."""

import functools
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks import task

from omniretail.core import reads, throttle
from omniretail.core.events import deliver_pending
from omniretail.core.logs import carries_request_id
from omniretail.core.models import JobRun, SentSms
from omniretail.core.scheduler import every
from omniretail.core.sms import send_sms

# A claim older than this is a sender that died mid-send: another delivery may take it.
SMS_CLAIM_SECONDS = 60


def _claim_sms_sql() -> str:
    """The key's row made claimed, or an unsent claim older than SMS_CLAIM_SECONDS taken
    over, in one statement on both databases; no row comes back when it is sent or another
    sender holds it."""
    qn = connection.ops.quote_name
    table, claimed_at, sent_at = (qn(SentSms._meta.db_table), qn("claimed_at"), qn("sent_at"))
    return (
        f"INSERT INTO {table} ({qn('key')}, {claimed_at}) VALUES (%s, %s) "
        f"ON CONFLICT ({qn('key')}) DO UPDATE SET {claimed_at} = excluded.{claimed_at} "
        f"WHERE {table}.{sent_at} IS NULL "
        f"AND ({table}.{claimed_at} IS NULL OR {table}.{claimed_at} < %s) "
        f"RETURNING {qn('id')}"
    )


def _claim_sms(key: str) -> bool:
    now = timezone.now()
    stale = now - timedelta(seconds=SMS_CLAIM_SECONDS)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_claim_sms_sql(), [key, adapt(now), adapt(stale)])
        return cursor.fetchone() is not None


@functools.cache
def _sent_sql() -> str:
    qn = connection.ops.quote_name
    return f"UPDATE {reads.table(SentSms)} SET {qn('sent_at')} = %s WHERE {qn('key')} = %s"


@task()
@carries_request_id
def send_sms_once(*, key: str, phone: str, template: str, context: dict) -> bool:
    """Sends one SMS per `key` (e.g. `otp:<code id>`): a task delivered twice, or retried
    after the gateway took the message, sends nothing more. A failed send frees its claim
    and raises, so the retry sends."""
    if not _claim_sms(key):
        return False
    try:
        send_sms(phone=phone, template=template, context=context)
    except Exception:
        SentSms.objects.filter(key=key).update(claimed_at=None)
        raise
    with connection.cursor() as cursor:  # plain SQL, as the claim: every SMS ends here
        sent_at = connection.ops.adapt_datetimefield_value(timezone.now())
        cursor.execute(_sent_sql(), [sent_at, key])
    return True


def prune_run_records() -> int:
    """Periodic runs and sent-SMS keys older than OMNI_RUN_RECORDS_DAYS go; so do finished
    results of the database task queue."""
    before = timezone.now() - timedelta(days=settings.OMNI_RUN_RECORDS_DAYS)
    pruned, _ = JobRun.objects.filter(deadline__lt=before).delete()
    sms, _ = SentSms.objects.filter(sent_at__lt=before).delete()
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        results, _ = DBTaskResult.objects.finished().filter(finished_at__lt=before).delete()
        pruned += results
    return pruned + sms


PERIODIC = [
    every(seconds=5)(deliver_pending),
    every(minutes=5)(throttle.purge_expired),
    every(hours=1)(prune_run_records),
]
