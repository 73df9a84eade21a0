"""A retailer joins the online mall: it applies with its company, its unified social credit
code, a photo of its business licence and its first store; the platform approves or rejects
with a reason. Nothing but the application (and the re-encoded licence photo) is written
until approval, which creates the merchant organisation with the applicant as its owner and
the store, active: that is the moment the merchant goes live, and its joining reward (the
platform's configuration at that moment) is granted then, exactly once."""

from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts import services as accounts
from omniretail.accounts.models import Membership, Organization, User
from omniretail.accounts.selectors import is_platform_operator, require_user
from omniretail.core import uploads
from omniretail.core.errors import Conflict, NotFound, ValidationFailed, field_error
from omniretail.core.geo import validate_point
from omniretail.core.money import ZERO, money
from omniretail.ledger import services as ledger
from omniretail.loyalty import budget
from omniretail.loyalty import services as loyalty
from omniretail.notifications.services import notify
from omniretail.stores import services as stores
from omniretail.supply.models import JoiningReward, MerchantApplication
from omniretail.supply.services import notify_platform, require_platform

# Two levels: never a public media name (core.media refuses it); served by licence_of only.
LICENCE_FOLDER = "private/licences"
# GB 32100-2015: the 31 characters a code may use (no I, O, S, V, Z), and each position's weight.
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MAX_REWARD_POINTS = 10_000_000
MAX_WAIVER_DAYS = 3650
MAX_COUPON_BUDGET = Decimal("1000000.00")
REWARD_KIND = "joining_reward"

Status = MerchantApplication.Status


def credit_code_check_digit(first17: str) -> str:
    total = sum(
        CREDIT_CODE_CHARS.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]


def clean_credit_code(value) -> str:
    """The code upper-cased, if it has GB 32100-2015's form (18 characters of the code's
    alphabet, digits 3-8 an administrative division) and its last character checks."""
    code = str(value or "").strip().upper()
    if len(code) != 18 or any(c not in CREDIT_CODE_CHARS for c in code) or not code[2:8].isdigit():
        raise field_error("credit_code", _("统一社会信用代码应为 18 位数字或大写字母。"))
    if credit_code_check_digit(code[:17]) != code[17]:
        raise field_error("credit_code", _("统一社会信用代码校验位不正确，请核对。"))
    return code


def _text(fields: dict, name: str, value, limit: int, message: str) -> str:
    value = str(value or "").strip()
    if not value or len(value) > limit:
        fields[name] = message
    return value


def _store_phone(fields: dict, value) -> str:
    phone = "".join(str(value or "").split()).replace("(", "").replace(")", "")
    if not (stores.MOBILE_RE.match(phone) or stores.LANDLINE_RE.match(phone)):
        fields["store_phone"] = _("请输入手机号或座机号（如 0571-88001188）。")
    return phone


@transaction.atomic
def apply(
    *,
    applicant: User,
    company_name: str,
    credit_code: str,
    licence_files: list,
    store_name: str,
    store_address: str,
    store_phone: str,
    lat,
    lon,
) -> MerchantApplication:
    """Every field is checked before anything is stored; a refusal names each bad field."""
    require_user(applicant)
    if _has_pending(applicant):
        raise _pending_refusal()
    fields: dict = {}
    values = {
        "company_name": _text(
            fields, "company_name", company_name, 120, _("请填写企业名称（120 字以内）。")
        ),
        "store_name": _text(
            fields, "store_name", store_name, 120, _("请填写门店名称（120 字以内）。")
        ),
        "store_address": _text(
            fields, "store_address", store_address, 255, _("请填写门店地址（255 字以内）。")
        ),
        "store_phone": _store_phone(fields, store_phone),
    }
    try:
        values["credit_code"] = clean_credit_code(credit_code)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    try:
        values["store_lat"], values["store_lon"] = validate_point(lat, lon)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if len(licence_files) != 1:
        fields["licence_photo"] = _("请上传一张营业执照照片。")
    if fields:
        raise ValidationFailed(fields=fields)
    with uploads.saved_photos(licence_files, folder=LICENCE_FOLDER, field="licence_photo") as names:
        try:
            with transaction.atomic():
                application = MerchantApplication.objects.create(
                    applicant=applicant, licence_photo=names[0], **values
                )
        except IntegrityError as exc:  # a concurrent application won the constraint
            if _has_pending(applicant):
                raise _pending_refusal() from exc
            raise Conflict(
                _("该统一社会信用代码已有入驻申请或已入驻。"),
                fields={"credit_code": _("已存在")},
            ) from exc
    notify_platform(
        title=_("新的商家入驻申请"),
        body=_("%(name)s 申请入驻商城，请审核。") % {"name": application.company_name},
        link="/supply/review/merchants/",
    )
    return application


def _has_pending(applicant: User) -> bool:
    return MerchantApplication.objects.filter(applicant=applicant, status=Status.PENDING).exists()


def _pending_refusal() -> Conflict:
    return Conflict(_("您已有一份待审核的入驻申请。"), code="application_pending")


@transaction.atomic
def review(
    *, actor: User, application: MerchantApplication, approve: bool, reason: str = ""
) -> MerchantApplication:
    """Decide a pending application once (a conditional UPDATE: a second decision is a
    Conflict). Approval opens the merchant and its store and grants the joining reward."""
    require_platform(actor)
    reason = (reason or "").strip()[:500]
    if not approve and not reason:
        raise field_error("reason", _("驳回时请填写原因。"))
    moved = MerchantApplication.objects.filter(pk=application.pk, status=Status.PENDING).update(
        status=Status.APPROVED if approve else Status.REJECTED,
        reason="" if approve else reason,
        reviewed_by=actor,
        reviewed_at=timezone.now(),
    )
    if not moved:
        raise Conflict(_("该申请已审核。"), code="illegal_transition")
    application.refresh_from_db()
    if approve:
        _open_merchant(actor, application)
        grant_joining_reward(application)
    notify(
        user=application.applicant,
        title=_("入驻审核结果"),
        body=_("您的入驻申请已通过，门店已在商城上线。")
        if approve
        else _("入驻申请被驳回：%(r)s") % {"r": reason},
        link="/supply/join/",
    )
    return application


def _open_merchant(actor: User, application: MerchantApplication) -> None:
    org = accounts.create_organization(
        kind=Organization.Kind.MERCHANT,
        name=application.company_name,
        code=f"m-{application.credit_code.lower()}",
        contact_phone=application.store_phone,
    )
    Membership.objects.create(
        user=application.applicant, organization=org, role=Membership.Role.OWNER
    )
    store = stores.create_store(
        actor=actor,
        merchant=org,
        name=application.store_name,
        address=application.store_address,
        lat=application.store_lat,
        lon=application.store_lon,
        phone=application.store_phone,
    )
    MerchantApplication.objects.filter(pk=application.pk).update(organization=org, store=store)
    application.organization, application.store = org, store


def reward_config() -> JoiningReward:
    return JoiningReward.objects.get_or_create(pk=1)[0]


def configure_reward(*, actor: User, points, fee_waiver_days, coupon_budget="0") -> JoiningReward:
    """The reward merchants approved from now on receive; those already live keep theirs."""
    require_platform(actor)
    fields, parsed = {}, {}
    try:
        parsed["coupon_budget"] = money(str(coupon_budget).strip() or "0")
        if not ZERO <= parsed["coupon_budget"] <= MAX_COUPON_BUDGET:
            raise ValueError
    except (ValueError, ArithmeticError):
        fields["coupon_budget"] = _("请输入 0 到 %(n)s 元之间的金额（最多两位小数）。") % {
            "n": MAX_COUPON_BUDGET
        }
    for name, value, limit in (
        ("points", points, MAX_REWARD_POINTS),
        ("fee_waiver_days", fee_waiver_days, MAX_WAIVER_DAYS),
    ):
        try:
            parsed[name] = int(str(value).strip() or "0")
            if not 0 <= parsed[name] <= limit:
                raise ValueError
        except ValueError:
            fields[name] = _("请输入 0 到 %(n)s 之间的整数。") % {"n": limit}
    if fields:
        raise ValidationFailed(fields=fields)
    JoiningReward.objects.update_or_create(pk=1, defaults={**parsed, "updated_by": actor})
    return reward_config()


@transaction.atomic
def grant_joining_reward(application: MerchantApplication) -> bool:
    """Grant the configured reward to an approved merchant, once: the conditional UPDATE
    claims the grant (a retry or a concurrent call finds it taken and does nothing), and the
    points posting is keyed by the application, so a replay cannot post twice either."""
    if application.organization_id is None:
        raise Conflict(_("商家尚未上线，不能发放入驻奖励。"), code="not_live")
    config = reward_config()
    now = timezone.now()
    waived_until = (
        timezone.localdate(now) + timedelta(days=config.fee_waiver_days)
        if config.fee_waiver_days
        else None
    )
    claimed = MerchantApplication.objects.filter(
        pk=application.pk, status=Status.APPROVED, reward_granted_at__isnull=True
    ).update(
        reward_granted_at=now,
        reward_points=config.points,
        fee_waived_until=waived_until,
        reward_coupon_budget=config.coupon_budget,
    )
    if not claimed:
        return False
    if config.coupon_budget:
        budget.grant_budget(
            org=application.organization,
            amount=config.coupon_budget,
            idempotency_key=f"supply:joining-budget:{application.public_id}",
        )
    if config.points:
        ledger.post(
            debit=loyalty.issuing_account(ledger.PLATFORM_POINTS),
            credit=merchant_points_account(application.organization),
            amount=config.points,
            idempotency_key=f"supply:joining-reward:{application.public_id}",
            kind=REWARD_KIND,
            reference=application.public_id,
        )
    application.refresh_from_db()
    return True


def merchant_points_account(org: Organization):
    return ledger.get_or_create_account(asset_code=ledger.PLATFORM_POINTS, owner=org)


# --- reads ----------------------------------------------------------------------------------


def application_of(user) -> MerchantApplication | None:
    """The applicant's latest application, whatever its state."""
    require_user(user)
    return MerchantApplication.objects.filter(applicant=user).first()


def pending(user) -> QuerySet[MerchantApplication]:
    require_user(user)
    if not is_platform_operator(user):
        return MerchantApplication.objects.none()
    return MerchantApplication.objects.filter(status=Status.PENDING).select_related("applicant")


def decided(user) -> QuerySet[MerchantApplication]:
    if not is_platform_operator(user):
        return MerchantApplication.objects.none()
    return MerchantApplication.objects.exclude(status=Status.PENDING).select_related("organization")


def application_for_review(user, public_id: str) -> MerchantApplication:
    found = pending(user).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("找不到该申请。"))
    return found


def licence_of(user, public_id: str) -> MerchantApplication:
    """The application whose licence photo `user` may see: the applicant's own, or any for
    the platform."""
    require_user(user)
    apps = MerchantApplication.objects.filter(public_id=public_id)
    if not is_platform_operator(user):
        apps = apps.filter(applicant=user)
    found = apps.first()
    if found is None:
        raise NotFound(_("找不到该申请。"))
    return found
