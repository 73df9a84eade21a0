"""The dynamic member code (会员码) a shopper shows at the till: the member's id and the
current minute, signed with the key ring (core.signing), so a screenshot stops working a
minute later and a code cannot be made up. It names the shopper; membership of the
merchant is the till's business (loyalty.members)."""

import hmac
import time

from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.core import signing
from omniretail.core.errors import NotFound, ValidationFailed

PREFIX = "OMC1"
WINDOW_S = 60
SIGNATURE_HEX = 20


def member_code(user: User, *, now: float | None = None) -> str:
    """The code to show now; it changes every `WINDOW_S` seconds."""
    window = int((time.time() if now is None else now) // WINDOW_S)
    kid, secret = signing.signing_key()
    body = f"{PREFIX}.{kid}.{user.public_id}.{window}"
    return f"{body}.{_signature(secret, body)}"


def is_member_code(text: str) -> bool:
    return (text or "").strip().startswith(f"{PREFIX}.")


def user_for_code(code: str, *, now: float | None = None) -> User:
    """The shopper a code names, if it is genuine and of this minute or the one before (a
    code shown as the minute turns still works at the counter). 422 `member_code_expired`
    for an older one, 422 `member_code_invalid` for anything else."""
    parts = (code or "").strip().split(".")
    if len(parts) != 5 or parts[0] != PREFIX or not parts[3].isdigit():
        raise _invalid()
    _prefix, kid, user_id, window, signature = parts
    body = ".".join(parts[:4])
    if not any(
        hmac.compare_digest(_signature(secret, body), signature)
        for secret in signing.verifying_secrets(kid)
    ):
        raise _invalid()
    current = int((time.time() if now is None else now) // WINDOW_S)
    if not current - 1 <= int(window) <= current:
        raise ValidationFailed(
            _("会员码已过期，请让顾客刷新会员码后重新扫描。"),
            code="member_code_expired",
            fields={"member": _("会员码已过期")},
        )
    user = User.objects.filter(public_id=user_id, is_active=True).first()
    if user is None:
        raise NotFound(_("找不到该会员。"), fields={"member": _("不存在")})
    return user


def _signature(secret: bytes, body: str) -> str:
    """The first 20 hex digits of the HMAC: a short QR, and still far beyond guessing
    within the minute a code lives."""
    return signing.sign(secret, body)[:SIGNATURE_HEX]


def _invalid() -> ValidationFailed:
    return ValidationFailed(
        _("无法识别的会员码。"), code="member_code_invalid", fields={"member": _("无法识别")}
    )
