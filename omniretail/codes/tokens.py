"""Signed, opaque code tokens: the signing key's id (4 characters), then 9 random bytes and
the first 9 bytes of their HMAC-SHA256 (over the key id and the bytes) under a key derived
from that ring key, base64url (28 characters in all). A token printed before key rings has
no key id (24 characters) and verifies under SECRET_KEY or its fallbacks. A forged or
mistyped token is refused by the signature alone, before any database lookup."""

import base64
import binascii
import hashlib
import hmac
import os
from functools import lru_cache

from omniretail.core import signing

NONCE_BYTES = 9
MAC_BYTES = 9
BODY_LENGTH = 24  # base64url of nonce + MAC: the whole of a token printed before key rings
TOKEN_LENGTH = signing.KID_LENGTH + BODY_LENGTH


@lru_cache(maxsize=32)
def _key(secret: bytes) -> bytes:
    return hashlib.sha256(b"omniretail.codes.v1:" + secret).digest()


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]


def new_tokens(count: int) -> list[str]:
    """`count` fresh tokens; one urandom read for the lot keeps 100,000 fast."""
    kid, secret = signing.signing_key()
    key, prefix = _key(secret), kid.encode()
    raw = os.urandom(NONCE_BYTES * count)
    out = []
    for i in range(0, len(raw), NONCE_BYTES):
        nonce = raw[i : i + NONCE_BYTES]
        out.append(kid + base64.urlsafe_b64encode(nonce + _mac(key, prefix + nonce)).decode())
    return out


def is_genuine(token: str) -> bool:
    if not isinstance(token, str) or len(token) not in (TOKEN_LENGTH, BODY_LENGTH):
        return False
    kid, body = token[:-BODY_LENGTH], token[-BODY_LENGTH:]
    try:
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    if len(raw) != NONCE_BYTES + MAC_BYTES or not kid.isascii():
        return False
    nonce, mac = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    message = kid.encode() + nonce
    return any(
        hmac.compare_digest(mac, _mac(_key(secret), message))
        for secret in signing.verifying_secrets(kid)
    )
