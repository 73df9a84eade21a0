"""Idempotency keys for every write that moves money, points or stock.

The record is written in the same transaction as the action, once, holding the response:
the key is claimed first with a lock that writes nothing (on PostgreSQL a transaction-level
advisory lock on the key; SQLite's transactions are IMMEDIATE, so the writer's lock already
serialises them), then a stored response is looked for, then the action runs and one INSERT
keeps its response. A concurrent retry with the same key waits on that lock and then replays
the stored response (the unique index still backs this up); the same key with a different
body is a 409. A refused action rolls back and leaves no record, so fixing the input and
retrying with the same key works."""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from omniretail.core.errors import Conflict, ValidationFailed
from omniretail.core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def fingerprint(payload) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def run_idempotent(
    *, principal: str, key: str | None, endpoint: str, payload, action: Callable[[], tuple]
) -> tuple[int, object]:
    """Run `action` (returning (status, json-able body)) at most once per (principal, key)."""
    if not key:
        with transaction.atomic():
            return action()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(fields={HEADER: f"at most {MAX_KEY_LENGTH} characters"})
    digest = fingerprint({"endpoint": endpoint, "payload": payload})
    try:
        with transaction.atomic():
            _claim(principal, key)
            replay = _replay(principal, key, digest)
            if replay is not None:
                return replay
            status, body = action()
            _keep(principal, key, endpoint, digest, status, body)
            return status, body
    except IntegrityError:
        replay = _replay(principal, key, digest)
        if replay is None:
            raise
        return replay


def _claim(principal: str, key: str) -> None:
    """Hold the key until this transaction ends, so a concurrent retry waits here and then
    finds the response (one write per request instead of a claim INSERT and an UPDATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"idempotency:{principal}:{key}"],
            )


# The record's read and write are raw SQL: on every money or stock write the ORM's compiling
# of them cost more CPU than the statements themselves (bench/http_writes.py's notes).
_TABLE = IdempotencyRecord._meta.db_table
_BODY = IdempotencyRecord._meta.get_field("response_body")


def _replay(principal: str, key: str, digest: str):
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT request_fingerprint, response_status, response_body FROM {quote(_TABLE)}"
            f" WHERE principal = %s AND {quote('key')} = %s",
            [principal, key],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    fingerprint_kept, status, body = row
    if fingerprint_kept != digest:
        raise Conflict(
            "该幂等键已用于另一个请求。/ This Idempotency-Key was used with a different request.",
            code="idempotency_key_reused",
        )
    return status, json.loads(body) if isinstance(body, str) else body  # as the field reads it


def _keep(principal: str, key: str, endpoint: str, digest: str, status: int, body) -> None:
    quote = connection.ops.quote_name
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(_TABLE)} (principal, {quote('key')}, endpoint,"
            " request_fingerprint, response_status, response_body, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                principal,
                key,
                endpoint,
                digest,
                status,
                _BODY.get_db_prep_save(body, connection),
                created_at,
            ],
        )


def principal_of(request) -> str:
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return "anonymous"
