"""HMAC-SHA256 signatures for callbacks, device commands and signed links: time-stamped so a
captured message goes stale, compared in constant time. What outlives a deploy and a host
(printed packaging codes, share links) is signed with the key ring kept in the database:
the token names its key, every key verifies, the newest active one signs."""

import hashlib
import hmac
import math
import secrets
import time
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings

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


# ---------------------------------------------------------------- the key ring
KID_LENGTH = 4  # base64url of 3 random bytes, the first characters of a signed token
# Each process re-reads the ring at most this often; a new key signs only after every
# process has had time to read it (with room for clock skew between hosts).
RING_REFRESH_S = 60
KEY_ACTIVATION_S = 300


class RingKey(NamedTuple):
    secret: bytes
    signs_from: float  # Unix time


class KeyRing:
    """This process's copy of the `SigningKey` rows. Keys are only ever added, so the copy
    only grows: a key once read keeps verifying, and an unknown key id is refused from
    memory, without a query."""

    def __init__(self) -> None:
        self.keys: dict[str, RingKey] = {}
        self.loaded_at = -math.inf

    def current(self) -> dict[str, RingKey]:
        if time.monotonic() - self.loaded_at >= RING_REFRESH_S:
            self.load()
        return self.keys

    def load(self) -> None:
        from omniretail.core.models import SigningKey

        rows = list(SigningKey.objects.values_list("kid", "secret", "signs_from"))
        if not rows:  # the migration makes the first key; a flushed database has none
            first = add_signing_key(activation_s=0)
            rows = [(first.kid, first.secret, first.signs_from)]
        read = {kid: RingKey(secret.encode(), at.timestamp()) for kid, secret, at in rows}
        self.keys = {**self.keys, **read}
        self.loaded_at = time.monotonic()


_RING = KeyRing()


def signing_key() -> tuple[str, bytes]:
    """(kid, secret) of the key that signs now: the newest one whose activation has passed,
    or the first one while none has."""
    keys = _RING.current()
    now = time.time()
    active = [(key.signs_from, kid) for kid, key in keys.items() if key.signs_from <= now]
    _at, kid = max(active) if active else min((k.signs_from, kid) for kid, k in keys.items())
    return kid, keys[kid].secret


def verifying_secrets(kid: str) -> list[bytes]:
    """The secrets a token naming `kid` may have been signed with: that ring key's; for a
    token from before key rings (no kid) SECRET_KEY's and SECRET_KEY_FALLBACKS'; none for a
    key id the ring does not hold."""
    if not kid:
        return [key.encode() for key in (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)]
    key = _RING.current().get(kid)
    return [key.secret] if key else []


def add_signing_key(*, activation_s: int = KEY_ACTIVATION_S):
    """A new ring key with a random secret, signing `activation_s` from now."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from omniretail.core.models import SigningKey

    signs_from = timezone.now() + timedelta(seconds=activation_s)
    for _attempt in range(5):  # a key id drawn twice (1 in 16 million per key) draws again
        try:
            with transaction.atomic():
                key = SigningKey.objects.create(
                    kid=secrets.token_urlsafe(3),
                    secret=secrets.token_urlsafe(32),
                    signs_from=signs_from,
                )
        except IntegrityError:
            continue
        _RING.loaded_at = -math.inf  # this process reads it at once
        return key
    raise RuntimeError("could not draw an unused signing key id")
