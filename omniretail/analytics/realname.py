"""实名认证 of shoppers (docs/privacy.md): a name and a mainland resident ID number (二要素)
checked by a provider named by `OMNI_REAL_NAME_PROVIDER`; the outcome is kept by
`analytics.identity.record` (a keyed hash and masked forms, never the number), which is what
lets the data-quality page find one person behind two accounts.

Typing mistakes (length, check character, birth date, the name's characters) are answered
here without asking the provider and cost no attempt; each check that reaches the provider
counts against `OMNI_REAL_NAME_RATE` per account (5 a day), counted before the check and
outside any transaction, so parallel requests cannot slip past it. A verified account is
not checked again, and of parallel checks one is kept (the account's row is locked while
the outcome is written)."""

import math
import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.accounts.models import User
from omniretail.analytics import identity
from omniretail.analytics.models import VerifiedIdentity
from omniretail.core import throttle
from omniretail.core.errors import (
    Conflict,
    DomainError,
    RateLimited,
    ValidationFailed,
    field_error,
)

# 2–20 characters of the CJK blocks; a 少数民族 name joins its parts with "·"
_NAME = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+(?:·[\u3400-\u4dbf\u4e00-\u9fff]+)*$")
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_DOTS = str.maketrans({"•": "·", "・": "·", "．": "·", "‧": "·"})


class RealNameProvider(Protocol):
    name: str

    def matches(self, *, name: str, id_number: str) -> bool:
        """Whether the authority's record of the ID number carries this name; raises
        `Unavailable` or `Malformed` when it gives no answer about them."""


class Unavailable(DomainError):
    """The provider gave no answer (down, slow, throttled, our credentials refused): nothing
    is known, so nothing is kept and the attempt is given back."""

    status = 503
    code = "real_name_unavailable"
    default_message = gettext_lazy("实名认证服务暂不可用，请稍后再试。")


class Malformed(ValidationFailed):
    """The provider found the name or the number malformed (422 on that field): like a
    typing mistake caught here, it costs no attempt."""


class SandboxRealNameProvider:
    """For development and tests only: every well-formed ID number belongs to whatever name
    is typed, except one whose sequence code (digits 15–17) is 999, which matches no name
    (so a client can try the mismatch answer: 110105194912319999 is one)."""

    name = "sandbox"

    def matches(self, *, name: str, id_number: str) -> bool:
        return id_number[14:17] != "999"


def provider() -> RealNameProvider:
    return import_string(settings.OMNI_REAL_NAME_PROVIDER)()


def attempts() -> tuple[int, int]:
    """(checks, seconds): how many checks an account may ask for in a window."""
    return throttle.rate(settings.OMNI_REAL_NAME_RATE)


def clean_name(raw: str | None) -> str:
    name = re.sub(r"\s", "", raw or "").translate(_DOTS)
    if not name:
        raise field_error("name", _("请填写证件上的姓名。"))
    if not 2 <= len(name) <= 20 or not _NAME.match(name):
        raise field_error("name", _("姓名应为证件上的 2–20 个汉字，少数民族姓名可含“·”。"))
    return name


def clean_id_number(raw: str | None, *, today: date | None = None) -> str:
    """The 18-character number, or a 422 that says what is wrong with it."""
    number = re.sub(r"\s", "", raw or "").upper()
    if not number:
        raise field_error("id_number", _("请填写身份证号。"))
    if not _SHAPE.match(number) or number[0] == "0":
        raise field_error(
            "id_number", _("身份证号应为 18 位，前 17 位是数字，最后一位是数字或 X。")
        )
    if identity.normalise_id_number(number) is None:
        raise field_error("id_number", _("身份证号校验位不正确，请核对后重新输入。"))
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        born = None
    if born is None or not date(1900, 1, 1) <= born <= (today or timezone.localdate()):
        raise field_error("id_number", _("身份证号中的出生日期无效，请核对后重新输入。"))
    return number


@dataclass(frozen=True)
class Status:
    verified: bool
    name_masked: str = ""
    id_masked: str = ""
    checked_at: object = None


def status_of(user) -> Status:
    v = VerifiedIdentity.objects.filter(user=user, status=VerifiedIdentity.Status.VERIFIED).first()
    if v is None:
        return Status(verified=False)
    return Status(True, v.name_masked, v.id_masked, v.checked_at)


def verify(*, user, name: str, id_number: str, consent: bool) -> VerifiedIdentity:
    """Checks the name and ID number with the provider and keeps the outcome. Refused with
    422 (typing, consent, or `identity_mismatch` when the provider says they do not belong
    together), 409 `already_verified`, 429 past the day's attempts."""
    if consent is not True:
        raise field_error("consent", _("请阅读并同意实名认证的个人信息处理说明。"))
    name = clean_name(name)
    number = clean_id_number(id_number)
    if status_of(user).verified:
        raise Conflict(_("您已完成实名认证，无需重复认证。"), code="already_verified")
    limit, window = attempts()
    if wait := throttle.hit("real_name", str(user.pk), limit, window):
        raise RateLimited(
            _("今天的实名认证次数已用完（每天 %(n)s 次），请 %(h)s 小时后再试。")
            % {"n": limit, "h": math.ceil(wait / 3600)},
            retry_after=wait,
        )
    p = provider()
    try:
        matched = p.matches(name=name, id_number=number)
    except (Unavailable, Malformed):
        throttle.undo("real_name", str(user.pk))
        raise
    with transaction.atomic():  # the account's row locked: one of parallel checks is kept
        User.objects.select_for_update(no_key=True).filter(pk=user.pk).first()
        if status_of(user).verified:
            raise Conflict(_("您已完成实名认证，无需重复认证。"), code="already_verified")
        checked = identity.record(
            user=user, name=name, id_number=number, verified=matched, provider=p.name
        )
    if not matched:
        message = _("姓名与身份证号不一致，请核对后重试。")
        raise ValidationFailed(
            message, code="identity_mismatch", fields={"name": message, "id_number": message}
        )
    return checked


def export(user) -> list[dict]:
    """The shopper's copy of their data: the check as kept, masked."""
    return [
        {
            "status": v.status,
            "name": v.name_masked,
            "id_number": v.id_masked,
            "provider": v.provider,
            "checked_at": v.checked_at.isoformat(),
        }
        for v in VerifiedIdentity.objects.filter(user=user)
    ]


def erase(*, user) -> None:
    """Closing the account deletes the check (its hash would otherwise still find them)."""
    VerifiedIdentity.objects.filter(user=user).delete()
