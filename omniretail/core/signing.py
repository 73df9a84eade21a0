"""HMAC-SHA256 signatures for callbacks, device commands and signed links: time-stamped so a
captured message goes stale, compared in constant time."""

import hashlib
import hmac
import time

DEFAULT_TOLERANCE_S = 300


def sign(secret: str | bytes, message: str | bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    body = message.encode() if isinstance(message, str) else message
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def signed_payload(timestamp: int, body: str | bytes) -> bytes:
    raw = body.encode() if isinstance(body, str) else body
    return str(timestamp).encode() + b"." + raw


def sign_timestamped(secret: str | bytes, body: str | bytes, timestamp: int | None = None):
    """Return (timestamp, signature) over `timestamp.body`."""
    ts = int(time.time()) if timestamp is None else timestamp
    return ts, sign(secret, signed_payload(ts, body))


def verify(secret: str | bytes, message: str | bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, message), signature or "")


def verify_timestamped(
    secret: str | bytes,
    body: str | bytes,
    timestamp: int | str,
    signature: str,
    *,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """True only for a genuine signature whose timestamp is within the tolerance window."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance_s:
        return False
    return verify(secret, signed_payload(ts, body), signature)


def digest(value: str) -> str:
    """One-way hash for secrets we must recognise but never store (tokens, codes)."""
    return hashlib.sha256(value.encode()).hexdigest()
