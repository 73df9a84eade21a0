"""Offline -> platform exchange. A merchant sets its ratio and daily limit; a shopper passes
a fresh identity check (OTP, or face where enrolled) and converts: two linked postings
through the merchant's clearing accounts (offline points in, platform points out, issued
against the merchant). Rounding favours the platform: only whole platform points are
given, and the offline points a fraction would have needed stay in the shopper's wallet."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts import services as accounts
from omniretail.accounts.models import Organization
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, field_error
from omniretail.ledger.models import Posting
from omniretail.loyalty import face, services
from omniretail.loyalty.models import Conversion, ExchangeRule, Spend, StepUp

STEP_UP_MINUTES = 5
MAX_RATIO = 100000


@dataclass(frozen=True)
class Quote:
    offline_points: int  # what the shopper asked to convert
    used: int  # what leaves the offline wallet
    platform_points: int  # what arrives in the platform wallet

    @property
    def remainder(self) -> int:
        return self.offline_points - self.used


def set_exchange_rule(
    *, org: Organization, offline: int, platform: int, daily_limit: int, is_active: bool = True
) -> ExchangeRule:
    for field, value in (("offline", offline), ("platform", platform)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_RATIO:
            raise field_error(field, _("兑换比例必须是 1 到 100000 之间的正整数。"))
    if isinstance(daily_limit, bool) or not isinstance(daily_limit, int) or daily_limit <= 0:
        raise field_error("daily_limit", _("每日上限必须是正整数。"))
    rule, _created = ExchangeRule.objects.update_or_create(
        org=org,
        defaults={
            "offline": offline,
            "platform": platform,
            "daily_limit": daily_limit,
            "is_active": is_active,
        },
    )
    return rule


def active_rule(org: Organization) -> ExchangeRule:
    rule = ExchangeRule.objects.filter(org=org, is_active=True).first()
    if rule is None:
        raise Conflict(_("该商家暂未开放积分兑换。"), code="exchange_closed")
    return rule


def quote(*, rule: ExchangeRule, offline_points) -> Quote:
    if isinstance(offline_points, bool) or not isinstance(offline_points, int):
        raise field_error("offline_points", _("积分必须是整数。"))
    if offline_points <= 0:
        raise field_error("offline_points", _("兑换积分必须大于 0。"))
    platform = offline_points * rule.platform // rule.offline
    if platform == 0:
        raise field_error(
            "offline_points",
            _("至少需要 %(n)s 商家积分才能兑换 1 平台积分。")
            % {"n": -(-rule.offline // rule.platform)},
        )
    used = -(-platform * rule.offline // rule.platform)
    return Quote(offline_points=offline_points, used=used, platform_points=platform)


def converted_today(user, org: Organization) -> int:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    total = Conversion.objects.filter(user=user, org=org, created_at__gte=start).aggregate(
        s=Sum("offline_points")
    )["s"]
    return total or 0


# --- step-up ---------------------------------------------------------------------------------


def request_step_up_code(*, user) -> None:
    """Send the exchange code to the member's own phone (its own SMS and limits)."""
    if not user.phone:
        raise field_error("phone", _("请先绑定手机号。"))
    accounts.request_exchange_code(phone=user.phone)


def verify_step_up_code(*, user, code: str) -> StepUp:
    if not user.phone:
        raise field_error("phone", _("请先绑定手机号。"))
    accounts.verify_exchange_code(user=user, code=code)
    return _grant(user, StepUp.Method.OTP)


def verify_step_up_face(*, user, image: bytes) -> StepUp:
    face.verify(user=user, image=image)
    return _grant(user, StepUp.Method.FACE)


def _grant(user, method: str) -> StepUp:
    return StepUp.objects.create(
        user=user, method=method, expires_at=timezone.now() + timedelta(minutes=STEP_UP_MINUTES)
    )


def _consume_step_up(user, step_up_id: str) -> None:
    used = StepUp.objects.filter(
        public_id=step_up_id or "", user=user, used_at__isnull=True, expires_at__gt=timezone.now()
    ).update(used_at=timezone.now())
    if not used:
        raise PermissionDenied(
            _("请先完成身份验证（验证码五分钟内有效，每次兑换需重新验证）。"),
            code="step_up_required",
        )


# --- conversion ------------------------------------------------------------------------------


def convert(
    *, user, org: Organization, offline_points: int, step_up_id: str, idempotency_key: str
) -> Conversion:
    """Convert once per key. The offline debit holds the shopper's wallet row until commit,
    so the daily limit is checked after it against conversions that have committed."""
    if org.kind != Organization.Kind.MERCHANT:
        raise NotFound(_("找不到该商家。"))
    rule = active_rule(org)
    q = quote(rule=rule, offline_points=offline_points)
    key = f"convert:{idempotency_key}"
    with transaction.atomic():
        replayed = Posting.objects.filter(idempotency_key=services._key(key)).exists()
        if not replayed:
            _consume_step_up(user, step_up_id)
        offline_code = services.merchant_asset_code(org)
        offline = services.debit_points(
            account=services.wallet(user, offline_code),
            credit=services.clearing_account(org, offline_code),
            points=q.used,
            kind=Spend.Kind.CONVERT,
            reason=_("兑换为平台积分"),
            idempotency_key=key,
        )
        done = Conversion.objects.filter(offline_posting=offline).first()
        if done is not None:
            return done
        if converted_today(user, org) + q.used > rule.daily_limit:
            raise Conflict(
                _("超出今日兑换上限（每日 %(limit)s 商家积分）。") % {"limit": rule.daily_limit},
                code="daily_limit_exceeded",
                fields={"offline_points": _("超出今日上限")},
            )
        platform = services.award_points(
            user=user,
            asset_code=services.PLATFORM_POINTS,
            points=q.platform_points,
            reason=_("由 %(org)s 积分兑换") % {"org": org.name},
            idempotency_key=f"{key}:platform",
            source_org=org,
        )
        return Conversion.objects.create(
            user=user,
            org=org,
            offline_points=q.used,
            platform_points=q.platform_points,
            offline_posting=offline,
            platform_posting=platform,
        )
