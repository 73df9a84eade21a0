"""Share link tokens: the signing key's id (4 characters), then the link's id and an HMAC of
both, base64url-encoded. Opaque (it says nothing about the sharer), and tamper-evident: any
changed character fails the check. Every key of the ring verifies, so a link outlives key
rotations and hosts; a link shared before key rings has no key id and verifies under
SECRET_KEY or its fallbacks."""

import base64
import binascii
import hmac
import re
from functools import lru_cache

from django.conf import settings
from ulid import ULID

from omniretail.core import signing
from omniretail.core.signing import sign

SALT = "omniretail.referrals.share-link"
ID_BYTES = 16
MAC_BYTES = 12
BODY_LENGTH = 38  # base64url of 28 bytes, unpadded: the whole of a link from before key rings
TOKEN_LENGTH = signing.KID_LENGTH + BODY_LENGTH
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")


@lru_cache(maxsize=32)
def _key(secret: bytes) -> str:
    return sign(secret, SALT)  # a key of its own, derived from the ring key's secret


def _body(raw_id: bytes, mac: bytes) -> str:
    return base64.urlsafe_b64encode(raw_id + mac).rstrip(b"=").decode()


def _mac(secret: bytes, kid: str, raw_id: bytes) -> bytes:
    return bytes.fromhex(sign(_key(secret), kid.encode() + raw_id))[:MAC_BYTES]


def token_for(public_id: str) -> str:
    raw = ULID.from_str(public_id.upper()).bytes
    kid, secret = signing.signing_key()
    return kid + _body(raw, _mac(secret, kid, raw))


def public_id_from(token: str) -> str | None:
    """The link id a genuine token carries, or None for anything forged or altered."""
    if (
        not isinstance(token, str)
        or len(token) not in (TOKEN_LENGTH, BODY_LENGTH)
        or not _TOKEN_CHARS.fullmatch(token)
    ):
        return None
    kid, body = token[:-BODY_LENGTH], token[-BODY_LENGTH:]
    try:
        data = base64.urlsafe_b64decode(body + "==")
    except (binascii.Error, ValueError):
        return None
    raw, mac = data[:ID_BYTES], data[ID_BYTES:]
    if not any(
        hmac.compare_digest(mac, _mac(secret, kid, raw))
        for secret in signing.verifying_secrets(kid)
    ):
        return None
    # base64 leaves spare bits in the last character: only the canonical spelling counts
    return str(ULID.from_bytes(raw)).lower() if _body(raw, mac) == body else None


def share_path(token: str) -> str:
    """Where a share link lands (the web app's `/s/<token>/`)."""
    return f"/s/{token}/"


def share_url(token: str) -> str:
    return settings.OMNI_PUBLIC_BASE_URL + share_path(token)
