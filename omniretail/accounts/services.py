"""Writes for people and organisations: OTP login, staff, memberships, API tokens."""

import functools
import hmac
import math
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniretail.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    OneTimeCode,
    Organization,
    User,
)
from omniretail.accounts.selectors import is_platform_operator, require_role, require_user
from omniretail.core import logs, reads, throttle
from omniretail.core.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    RateLimited,
    ValidationFailed,
    field_error,
)
from omniretail.core.signing import digest, sign
from omniretail.core.tasks import send_sms_once

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
TOKEN_PREFIX = "omni_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)  # how often a token's last_used_at is written
DAY_S = 86_400
OTP_REFUSALS = {
    "otp_resend": gettext_lazy("验证码发送过于频繁，请稍后再试。"),
    "otp_phone": gettext_lazy("该手机号一小时内请求验证码次数过多。"),
    "otp_ip": gettext_lazy("发送验证码过于频繁，请稍后再试。"),
    "otp_global": gettext_lazy("短信发送繁忙，请稍后再试。"),
    "exchange_resend": gettext_lazy("兑换验证码发送过于频繁，请稍后再试。"),
    "exchange_phone": gettext_lazy("该手机号一小时内请求兑换验证码次数过多。"),
}
# The address of a points-exchange code in OneTimeCode.phone (20 characters: it fits).
EXCHANGE_CODE = "exchange:"


def normalize_phone(phone: str) -> str:
    """Mainland mobile numbers, with or without +86 and separators."""
    cleaned = re.sub(r"[\s\-()]", "", phone or "")
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    elif cleaned.startswith("0086"):
        cleaned = cleaned[4:]
    if not PHONE_RE.match(cleaned):
        raise field_error("phone", _("请输入 11 位中国大陆手机号。"))
    return cleaned


def _code_hash(phone: str, code: str) -> str:
    # Keyed, so a leaked table does not give away six-digit codes by brute force.
    return sign(settings.SECRET_KEY, f"otp:{phone}:{code}")


def request_login_code(*, phone: str, client_ip: str | None = None, now=None) -> OneTimeCode:
    """Send a six-digit code, within the limits that keep SMS from being pumped: one resend
    per `OMNI_OTP_RESEND_SECONDS` and `OMNI_OTP_MAX_PER_HOUR` per phone, and per client and
    for everyone (settings). Each limit is one atomic count, so a burst of simultaneous
    requests sends one SMS, not three."""
    phone = normalize_phone(phone)
    limits = [("otp_resend", phone, 1, settings.OMNI_OTP_RESEND_SECONDS)]
    if client_ip:
        limits.append(("otp_ip", client_ip, *throttle.rate(settings.OMNI_OTP_RATE_PER_IP)))
    limits.append(("otp_phone", phone, settings.OMNI_OTP_MAX_PER_HOUR, 3600))
    return _send_code(
        address=phone,
        phone=phone,
        template="login_code",
        limits=limits,
        client_ip=client_ip,
        now=now,
    )


def request_exchange_code(*, phone: str, now=None) -> OneTimeCode:
    """The code that confirms a points exchange (loyalty's step-up): its own SMS, which says
    what it is for, and its own resend and hourly limits, so it neither reads as a login
    code nor spends the login's limits. It is kept apart from login codes (its address is
    `exchange:<phone>`), so it never signs anyone in, nor a login code confirms an exchange."""
    phone = normalize_phone(phone)
    limits = [
        ("exchange_resend", phone, 1, settings.OMNI_OTP_RESEND_SECONDS),
        ("exchange_phone", phone, settings.OMNI_OTP_MAX_PER_HOUR, 3600),
    ]
    return _send_code(
        address=f"{EXCHANGE_CODE}{phone}",
        phone=phone,
        template="exchange_code",
        limits=limits,
        now=now,
    )


def _send_code(*, address: str, phone: str, template: str, limits, client_ip=None, now=None):
    now = now or timezone.now()
    limits = [*limits, ("otp_global", "all", *throttle.rate(settings.OMNI_OTP_RATE_GLOBAL))]
    for scope, key, limit, window in limits:
        if wait := throttle.hit(scope, key, limit, window, now=now):
            throttle.audit.warning(
                "login code refused",
                extra={
                    "event": "otp_throttled",
                    "scope": scope,
                    "phone": _mask(phone),
                    "client_ip": client_ip,
                    "retry_after": wait,
                },
            )
            raise RateLimited(OTP_REFUSALS[scope], retry_after=wait)
    code = f"{secrets.randbelow(10**6):06d}"
    otp = OneTimeCode.objects.create(
        phone=address,
        code_hash=_code_hash(address, code),
        expires_at=now + timedelta(seconds=settings.OMNI_OTP_TTL_SECONDS),
    )
    minutes = max(1, settings.OMNI_OTP_TTL_SECONDS // 60)
    # a task (the worker sends it at once), keyed by the code so a redelivery sends it once
    logs.enqueue(
        send_sms_once,
        key=f"otp:{otp.pk}",
        phone=phone,
        template=template,
        context={"code": code, "minutes": minutes},
    )
    return otp


def verify_login_code(*, phone: str, code: str) -> User:
    """Spend a code: each try counts even when wrong, a code works once, then the shopper
    exists (created on first login)."""
    phone = normalize_phone(phone)
    now = timezone.now()
    _spend_code(address=phone, code=code, now=now)
    with transaction.atomic():
        user, _created = User.objects.get_or_create(
            phone=phone, defaults={"username": f"m{phone}", "display_name": _mask(phone)}
        )
    if not user.is_active:
        raise ValidationFailed(_("该账户已停用。"), code="account_disabled")
    return user


def verify_exchange_code(*, user: User, code: str) -> None:
    """Spend an exchange code sent to the user's own phone (refused as a wrong code else)."""
    _spend_code(address=f"{EXCHANGE_CODE}{normalize_phone(user.phone or '')}", code=code)


def _spend_code(*, address: str, code: str, now=None) -> None:
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        raise field_error("code", _("验证码为 6 位数字。"))
    now = now or timezone.now()
    otp = OneTimeCode.objects.filter(
        phone=address, used_at__isnull=True, expires_at__gt=now
    ).first()
    if otp is None:
        raise field_error("code", _("验证码已过期或未发送，请重新获取。"))
    counted = OneTimeCode.objects.filter(
        pk=otp.pk, attempts__lt=settings.OMNI_OTP_MAX_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise RateLimited(
            _("错误次数过多，请重新获取验证码。"), fields={"code": "too many attempts"}
        )
    if not hmac.compare_digest(otp.code_hash, _code_hash(address, code)):
        left = settings.OMNI_OTP_MAX_ATTEMPTS - otp.attempts - 1
        raise ValidationFailed(
            _("验证码错误，还可尝试 %(left)s 次。") % {"left": max(left, 0)},
            fields={"code": _("验证码错误")},
        )
    if not OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True).update(used_at=now):
        raise field_error("code", _("验证码已使用，请重新获取。"))


def _mask(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


def password_login(*, username: str, password: str, client_ip: str | None = None, now=None) -> User:
    """Staff sign in with a password. Guessing is bounded per client (failures within
    `OMNI_LOGIN_RATE_PER_IP`) and per account: `OMNI_LOGIN_FAILURES_BEFORE_LOCKOUT` failures
    lock it for `OMNI_LOGIN_LOCKOUT_S`, doubled for each further lockout that day. A locked
    account refuses the right password too, and every refusal is audited. Each attempt is
    counted before the password is checked (atomically, so parallel guesses cannot slip
    through) and given back when it was right."""
    account = (username or "").strip().lower()
    limit, base = settings.OMNI_LOGIN_FAILURES_BEFORE_LOCKOUT, settings.OMNI_LOGIN_LOCKOUT_S
    ip_limit, ip_window = throttle.rate(settings.OMNI_LOGIN_RATE_PER_IP)
    audit = {"username": account, "client_ip": client_ip}
    if client_ip and (wait := throttle.hit("login_ip", client_ip, ip_limit, ip_window, now=now)):
        throttle.audit.warning(
            "login refused: too many attempts from this client",
            extra={"event": "login_throttled", "retry_after": wait, **audit},
        )
        raise RateLimited(_("登录尝试过于频繁，请稍后再试。"), retry_after=wait)
    attempts, wait = throttle.incr("login_account", account, base, now=now)
    if attempts > limit:
        throttle.audit.warning(
            "login refused: account locked",
            extra={"event": "login_locked", "retry_after": wait, **audit},
        )
        raise RateLimited(
            _("登录失败次数过多，账户已暂时锁定，请 %(m)s 分钟后再试。")
            % {"m": math.ceil(wait / 60)},
            retry_after=wait,
        )
    user = authenticate(username=username, password=password)
    if user is None:
        if attempts == limit:
            lockouts, _wait = throttle.incr("login_lockouts", account, DAY_S, now=now)
            seconds = min(base * 2 ** (lockouts - 1), DAY_S)
            throttle.lock("login_account", account, seconds, now=now)
            throttle.audit.warning(
                "account locked after failed logins",
                extra={"event": "account_locked", "lockout_s": seconds, **audit},
            )
        raise NotAuthenticated(_("用户名或密码错误。"), code="invalid_credentials")
    throttle.clear("login_account", account)
    if client_ip:
        throttle.undo("login_ip", client_ip)
    return user


def create_organization(
    *, kind: str, name: str, code: str, region: Organization | None = None, contact_phone=""
) -> Organization:
    if kind not in Organization.Kind.values:
        raise field_error("kind", _("未知的组织类型。"))
    if region is not None and region.kind != Organization.Kind.REGION:
        raise field_error("region", _("所属组织必须是运营中心。"))
    if not name.strip():
        raise field_error("name", _("名称不能为空。"))
    try:
        with transaction.atomic():
            return Organization.objects.create(
                kind=kind, name=name.strip(), code=code, region=region, contact_phone=contact_phone
            )
    except IntegrityError as exc:
        raise Conflict(_("组织代码已存在。"), fields={"code": _("已存在")}) from exc


def create_staff(
    *,
    username: str,
    password: str,
    organization: Organization,
    role: str = Membership.Role.STAFF,
    display_name: str = "",
    phone: str | None = None,
) -> User:
    """A staff account with a password and a role in one organisation; platform staff may
    use the admin site."""
    if role not in Membership.Role.values:
        raise field_error("role", _("未知的角色。"))
    if not re.fullmatch(r"[\w.@+-]{3,150}", username or ""):
        raise field_error("username", _("用户名需 3-150 个字母、数字或 .@+-_ 字符。"))
    try:
        password_validation.validate_password(password)
    except ValidationError as exc:
        raise ValidationFailed(fields={"password": list(exc.messages)}) from exc
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict(_("用户名已存在。"), fields={"username": _("已存在")})
        user = User(
            username=username,
            display_name=display_name or username,
            phone=normalize_phone(phone) if phone else None,
            is_staff=organization.kind == Organization.Kind.PLATFORM,
        )
        user.set_password(password)
        user.save()
        Membership.objects.create(user=user, organization=organization, role=role)
    return user


def issue_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Return the token row and the raw secret, which is shown once and never stored."""
    if not name.strip():
        raise field_error("name", _("名称不能为空。"))
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=raw[len(TOKEN_PREFIX) :][:8], token_hash=digest(raw)
    )
    return token, raw


def authenticate_api_token(raw: str) -> User | None:
    """The token's active user, in one statement on every API call: plain SQL, as the ORM's
    compiling of the select_related query and of the stamp's UPDATE was most of the check's
    CPU (bench/http_writes.py's notes), and a raw queryset's column mapping half of what
    was left. last_used_at is written at most once a minute, even when concurrent requests
    all read an old stamp (a conditional UPDATE)."""
    if not raw or not raw.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    stale = connection.ops.adapt_datetimefield_value(now - TOKEN_USE_RESOLUTION)
    rows = reads.fetch(_token_user_sql(), [stale, digest(raw)])
    if not rows:
        return None
    *columns, token_id, token_stale = rows[0]
    if token_stale:
        with connection.cursor() as cursor:
            stamp = [connection.ops.adapt_datetimefield_value(now), token_id, stale]
            cursor.execute(_TOKEN_STAMP_SQL, stamp)
    return reads.models(User, [columns])[0]


@functools.cache
def _token_user_sql() -> str:
    return (
        f"SELECT {reads.columns(User, 'u')}, t.id,"
        f" (t.last_used_at IS NULL OR t.last_used_at < %s)"
        f" FROM {reads.table(User)} u JOIN {reads.table(ApiToken)} t ON t.user_id = u.id"
        f" WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active"
    )


_TOKEN_STAMP_SQL = (
    f"UPDATE {ApiToken._meta.db_table} SET last_used_at = %s"
    f" WHERE id = %s AND (last_used_at IS NULL OR last_used_at < %s)"
)


def revoke_api_token(*, user: User, token_public_id: str) -> None:
    ApiToken.objects.filter(user=user, public_id=token_public_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


# --- members of an organisation: invitations by phone, roles, removal --------------------

INVITATION_DAYS = 7
INVITABLE_ROLES = (
    Membership.Role.MANAGER,
    Membership.Role.STAFF,
    Membership.Role.CUSTOMER_SERVICE,
)


def _require_owner(actor, organization: Organization) -> None:
    """Only the organisation's owners (or the platform's operators) change who works there."""
    require_user(actor)
    if not is_platform_operator(actor):
        require_role(actor, organization, [Membership.Role.OWNER])


def _role(value, allowed) -> str:
    if value not in allowed:
        raise field_error("role", _("请选择经理、店员或客服。"))
    return value


def invite_member(
    *, actor, organization: Organization, phone: str, role: str, link: str = ""
) -> Invitation:
    """Invite a mainland mobile number into the organisation in a role; the invitee accepts
    after signing in with that number. The SMS goes once per invitation (keyed task)."""
    _require_owner(actor, organization)
    phone = normalize_phone(phone)
    role = _role(role, INVITABLE_ROLES)
    if Membership.objects.filter(organization=organization, user__phone=phone).exists():
        raise Conflict(
            _("该手机号已经是本商家的成员。"),
            code="already_member",
            fields={"phone": _("已是成员")},
        )
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                organization=organization,
                phone=phone,
                role=role,
                invited_by=actor,
                expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
            )
    except IntegrityError:
        raise Conflict(
            _("已向该手机号发出邀请，对方尚未接受。"),
            code="already_invited",
            fields={"phone": _("已邀请")},
        ) from None
    body = _("%(org)s 邀请您成为%(role)s，请用本手机号登录后接受邀请，%(days)s 天内有效。") % {
        "org": organization.name,
        "role": invitation.get_role_display(),
        "days": INVITATION_DAYS,
    }
    logs.enqueue(
        send_sms_once,
        key=f"invitation:{invitation.pk}",
        phone=phone,
        template="notice",
        context={"title": _("成员邀请"), "body": f"{body} {link}".strip()},
    )
    return invitation


def revoke_invitation(*, actor, organization: Organization, invitation_id: str) -> None:
    """Withdraw an invitation not yet accepted; an accepted or unknown one is not found."""
    _require_owner(actor, organization)
    revoked = Invitation.objects.filter(
        public_id=invitation_id,
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())
    if not revoked:
        raise NotFound(_("找不到该邀请。"))


def accept_invitation(*, user, invitation_id: str) -> Membership:
    """Join the organisation the invitation names, once, if it was sent to the user's phone
    and is still open; anyone else's invitation is not found."""
    require_user(user)
    now = timezone.now()
    invitation = Invitation.objects.filter(
        public_id=invitation_id,
        phone=user.phone or "-",
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).first()
    if invitation is None:
        raise NotFound(_("邀请不存在、已过期或已被使用。"))
    try:
        with transaction.atomic():
            if not Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
                accepted_at=now, accepted_by=user
            ):
                raise NotFound(_("邀请不存在、已过期或已被使用。"))
            return Membership.objects.create(
                user=user, organization_id=invitation.organization_id, role=invitation.role
            )
    except IntegrityError:
        raise Conflict(_("您已经是该商家的成员。"), code="already_member") from None


def _member(organization: Organization, user_id: str) -> Membership:
    membership = (
        Membership.objects.filter(organization=organization, user__public_id=user_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise NotFound(_("找不到该成员。"))
    return membership


def change_role(*, actor, organization: Organization, user_id: str, role: str) -> Membership:
    """Give a member another role; an owner does not change their own (nobody would be left
    to undo it)."""
    _require_owner(actor, organization)
    role = _role(role, Membership.Role.values)
    membership = _member(organization, user_id)
    if membership.user_id == actor.pk:
        raise Conflict(_("不能修改自己的角色。"), code="own_role")
    Membership.objects.filter(pk=membership.pk).update(role=role)
    membership.role = role
    return membership


def remove_member(*, actor, organization: Organization, user_id: str) -> None:
    """Take a member out of the organisation; the account stays (it may shop, or be invited
    again). An owner does not remove themselves."""
    _require_owner(actor, organization)
    membership = _member(organization, user_id)
    if membership.user_id == actor.pk:
        raise Conflict(_("不能移除自己。"), code="own_membership")
    membership.delete()
