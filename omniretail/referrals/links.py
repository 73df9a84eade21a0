"""Share link tokens: the link's id and an HMAC of it, base64url-encoded. Opaque (it says
nothing about the sharer), and tamper-evident: any changed character fails the check."""

import base64
import binascii
import hmac
import re

from django.conf import settings
from ulid import ULID

from omniretail.core.signing import sign

SALT = "omniretail.referrals.share-link"
ID_BYTES = 16
MAC_BYTES = 12
TOKEN_LENGTH = 38  # base64url of 28 bytes, unpadded
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]+")


def _mac(raw_id: bytes) -> bytes:
    key = sign(settings.SECRET_KEY, SALT)  # a key of its own, derived from the site's secret
    return bytes.fromhex(sign(key, raw_id))[:MAC_BYTES]


def token_for(public_id: str) -> str:
    raw = ULID.from_str(public_id.upper()).bytes
    return base64.urlsafe_b64encode(raw + _mac(raw)).rstrip(b"=").decode()


def public_id_from(token: str) -> str | None:
    """The link id a genuine token carries, or None for anything forged or altered."""
    if (
        not isinstance(token, str)
        or len(token) != TOKEN_LENGTH
        or not _TOKEN_CHARS.fullmatch(token)
    ):
        return None
    try:
        data = base64.urlsafe_b64decode(token + "==")
    except (binascii.Error, ValueError):
        return None
    raw, mac = data[:ID_BYTES], data[ID_BYTES:]
    if not hmac.compare_digest(mac, _mac(raw)):
        return None
    public_id = str(ULID.from_bytes(raw)).lower()
    # base64 leaves spare bits in the last character: only the canonical spelling counts
    return public_id if token_for(public_id) == token else None


def share_path(token: str) -> str:
    """Where a share link lands (the web app's `/s/<token>/`)."""
    return f"/s/{token}/"


def share_url(token: str) -> str:
    return settings.OMNI_PUBLIC_BASE_URL + share_path(token)
