"""RSA2 (SHA256withRSA) as Alipay applies it, written from Alipay's side on purpose: the
platform's adapter has its own implementation, so a mistake in one cannot hide in both."""

import base64
from collections.abc import Mapping
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings


def content(params: Mapping[str, str], *, exclude: tuple[str, ...] = ("sign",)) -> str:
    """The text that is signed: every non-empty parameter but `exclude`, sorted by name, as
    `name=value` joined by `&` (values not URL-encoded). Requests exclude `sign` only,
    notifications `sign` and `sign_type`."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in exclude and v != "")


@cache
def _private_key(path: str):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), password=None)


@cache
def _public_key(path: str):
    with open(path, "rb") as f:
        return serialization.load_pem_public_key(f.read())


def sign(text: str) -> str:
    """Signed with Alipay's (the sandbox's) private key."""
    key = _private_key(str(settings.OMNI_SANDBOX_ALIPAY_KEYS["sandbox_alipay_private"]))
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify_app(text: str, signature: str) -> bool:
    """Whether the app's key (the public half the merchant uploaded to Alipay) signed `text`."""
    key = _public_key(str(settings.OMNI_SANDBOX_ALIPAY_KEYS["sandbox_alipay_app_public"]))
    try:
        key.verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True
