"""/api/loyalty: thin routes over loyalty.services and loyalty.selectors. A member sees
their wallets, history and expiring points, converts offline points after a step-up;
a merchant's managers set earn rules, the exchange ratio and tiers, and read statements
and the points liability; they define coupon templates and issue coupons to members, who
list theirs. Platform operators build a month's statements and settle each one. Writes
that move points take an `Idempotency-Key`."""

import base64
import binascii
from datetime import date

from django.utils.translation import gettext as _
from ninja import Router, Status

from omniretail.accounts.auth import AUTH
from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import (
    MANAGING_ROLES,
    organization_for_user,
    require_platform_operator,
)
from omniretail.catalog.models import Product
from omniretail.core.api import idempotent
from omniretail.core.errors import NotFound, field_error
from omniretail.core.idempotency import HEADER
from omniretail.loyalty import coupons, exchange, face, members, selectors, services, settlement
from omniretail.loyalty.models import Coupon, CouponTemplate, EarnRule, Member, Statement
from omniretail.loyalty.schemas import (
    ConversionOut,
    ConvertIn,
    CouponIssueIn,
    CouponOut,
    CouponTemplateIn,
    CouponTemplateOut,
    EarnRuleIn,
    EarnRuleOut,
    ExchangeQuoteOut,
    ExchangeRuleIn,
    ExchangeRuleOut,
    ExpiringPointsOut,
    FaceEnrolmentOut,
    FaceIn,
    LiabilityOut,
    LoyaltyMemberOut,
    MemberIn,
    MembershipBenefitsOut,
    MemberTierIn,
    MemberTierOut,
    PointsEntryOut,
    PointsStatementOut,
    PointsWalletOut,
    StatementSettleIn,
    StepUpCodeIn,
    StepUpCodeSentOut,
    StepUpOut,
)

router = Router(tags=["loyalty"], auth=AUTH)


def managed(request, public_id: str) -> Organization:
    return organization_for_user(request.auth, public_id, roles=MANAGING_ROLES)


# --- member ------------------------------------------------------------------------------


@router.get("/me/wallets", response=list[PointsWalletOut])
def my_wallets(request):
    return [
        {"asset_code": w["asset_code"], "name": w["name"], "balance": w["balance"]}
        for w in selectors.wallets(request.auth)
    ]


@router.get("/me/history", response=list[PointsEntryOut])
def my_history(request):
    return selectors.history(request.auth)


@router.get("/me/expiring", response=list[ExpiringPointsOut])
def my_expiring(request, days: int = 30):
    return selectors.expiring_soon(request.auth, days=max(1, min(days, 366)))


@router.post("/merchants/{org_id}/membership", response={201: MembershipBenefitsOut})
def join(request, org_id: str, payload: MemberIn):
    member = members.activate(
        user=request.auth,
        org=selectors.merchant(org_id),
        name=payload.name,
        birthday=payload.birthday,
    )
    return Status(201, {"id": member.public_id, **members.benefits(member)})


# --- exchange ------------------------------------------------------------------------------


@router.get("/merchants/{org_id}/exchange/quote", response=ExchangeQuoteOut)
def quote(request, org_id: str, offline_points: int):
    rule = exchange.active_rule(selectors.merchant(org_id))
    q = exchange.quote(rule=rule, offline_points=offline_points)
    return {
        "offline_points": q.offline_points,
        "used": q.used,
        "platform_points": q.platform_points,
        "remainder": q.remainder,
        "ratio": f"{rule.offline}:{rule.platform}",
    }


@router.post("/step-up/code", response={202: StepUpCodeSentOut})
def step_up_code(request):
    """Send a one-time code to your phone before a conversion."""
    exchange.request_step_up_code(user=request.auth)
    return Status(202, {"sent": True})


@router.post("/step-up", response={201: StepUpOut})
def step_up(request, payload: StepUpCodeIn):
    grant = exchange.verify_step_up_code(user=request.auth, code=payload.code)
    return Status(201, {"step_up": grant.public_id, "expires_at": grant.expires_at})


def _image(payload: FaceIn) -> bytes:
    try:
        return base64.b64decode(payload.image, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise field_error("image", _("照片须为 base64 编码。")) from exc


@router.put("/me/face", response=FaceEnrolmentOut)
def enrol_face(request, payload: FaceIn):
    """Enrol for face step-up; `consent` must be true."""
    enrolment = face.enrol(user=request.auth, image=_image(payload), consent=payload.consent)
    return {"provider": enrolment.provider, "consented_at": enrolment.consented_at}


@router.delete("/me/face", response={204: None})
def delete_face(request):
    """Withdraw consent: the provider deletes the template."""
    face.delete(user=request.auth)
    return Status(204, None)


@router.post("/step-up/face", response={201: StepUpOut})
def step_up_face(request, payload: FaceIn):
    grant = exchange.verify_step_up_face(user=request.auth, image=_image(payload))
    return Status(201, {"step_up": grant.public_id, "expires_at": grant.expires_at})


@router.post("/merchants/{org_id}/exchange", response={201: ConversionOut})
def convert(request, org_id: str, payload: ConvertIn):
    """Convert offline points into platform points (whole points; the rest stays)."""
    key = request.headers.get(HEADER)
    if not key:
        raise field_error(HEADER, _("兑换需要幂等键。"))
    org = selectors.merchant(org_id)

    def act():
        done = exchange.convert(
            user=request.auth,
            org=org,
            offline_points=payload.offline_points,
            step_up_id=payload.step_up,
            idempotency_key=f"{request.auth.public_id}:{key}",
        )
        return 201, {
            "id": done.public_id,
            "offline_points": done.offline_points,
            "platform_points": done.platform_points,
        }

    return idempotent(request, endpoint="convert", payload=payload.model_dump(), action=act)


# --- merchant console ----------------------------------------------------------------------


def rule_out(rule: EarnRule) -> dict:
    return {
        "id": rule.public_id,
        "kind": rule.kind,
        "points": rule.points,
        "product": rule.product.public_id if rule.product_id else None,
        "tiers": rule.tiers,
        "target": rule.target,
        "is_active": rule.is_active,
    }


@router.get("/merchants/{org_id}/earn-rules", response=list[EarnRuleOut])
def earn_rules(request, org_id: str):
    org = managed(request, org_id)
    return [rule_out(r) for r in EarnRule.objects.filter(org=org).select_related("product")]


@router.put("/merchants/{org_id}/earn-rules", response=EarnRuleOut)
def set_earn_rule(request, org_id: str, payload: EarnRuleIn):
    org = managed(request, org_id)
    product = None
    if payload.product:
        product = Product.objects.filter(public_id=payload.product).first()
        if product is None:
            raise NotFound(_("找不到该商品。"), fields={"product": _("不存在")})
    rule = services.set_earn_rule(
        org=org,
        kind=payload.kind,
        points=payload.points,
        product=product,
        tiers=payload.tiers,
        target=payload.target,
        is_active=payload.is_active,
    )
    return rule_out(rule)


@router.put("/merchants/{org_id}/exchange-rule", response=ExchangeRuleOut)
def set_exchange_rule(request, org_id: str, payload: ExchangeRuleIn):
    rule = exchange.set_exchange_rule(org=managed(request, org_id), **payload.model_dump())
    return {"offline": rule.offline, "platform": rule.platform, "daily_limit": rule.daily_limit}


@router.put("/merchants/{org_id}/tiers", response=list[MemberTierOut])
def set_tiers(request, org_id: str, payload: list[MemberTierIn]):
    tiers = members.set_tiers(org=managed(request, org_id), tiers=[t.model_dump() for t in payload])
    return [{"name": t.name, "rank": t.rank} for t in tiers]


@router.get("/merchants/{org_id}/members", response=list[LoyaltyMemberOut])
def member_list(request, org_id: str):
    org = managed(request, org_id)
    return [
        {"id": m.public_id, "name": m.name, "tier": m.tier, "activated_at": m.activated_at}
        for m in Member.objects.filter(org=org).order_by("-id")[:200]
    ]


def statement_out(s: Statement) -> dict:
    return {
        "id": s.public_id,
        "org": s.org.public_id,
        "org_name": s.org.name,
        "month": s.month,
        "point_value": str(s.point_value),
        "lines": s.lines,
        "net_points": s.net_points,
        "net_yuan": str(s.net_yuan),
        "digest": s.digest,
        "status": s.status,
        "settled_at": s.settled_at,
        "transfer_reference": s.transfer_reference,
    }


@router.get("/merchants/{org_id}/statements", response=list[PointsStatementOut])
def statements(request, org_id: str):
    org = managed(request, org_id)
    found = Statement.objects.filter(org=org).select_related("org").order_by("-month")
    return [statement_out(s) for s in found]


@router.post("/merchants/{org_id}/statements/{month}", response={201: PointsStatementOut})
def build_statement(request, org_id: str, month: date):
    statement = settlement.build_statement(org=managed(request, org_id), month=month)
    return Status(201, statement_out(statement))


@router.get("/platform/statements", response=list[PointsStatementOut])
def month_statements(request, month: date):
    """Every statement of the month of `month` (any day of it), for platform operators."""
    require_platform_operator(request.auth)
    found = Statement.objects.filter(month=settlement.first_of_month(month))
    return [statement_out(s) for s in found.select_related("org").order_by("org__code")]


@router.post("/platform/statements/{month}", response={201: list[PointsStatementOut]})
def build_month(request, month: date):
    """Build the ended month's statement of every merchant (and of any organisation with
    lines), where missing; each is checked against the ledger (409 statement_mismatch)."""
    require_platform_operator(request.auth)
    return Status(201, [statement_out(s) for s in settlement.build_month(month)])


@router.post("/platform/statements/{statement_id}/settle", response=PointsStatementOut)
def settle_statement(request, statement_id: str, payload: StatementSettleIn):
    """Record the bank transfer that cleared the statement (409 already_settled)."""
    require_platform_operator(request.auth)
    statement = Statement.objects.select_related("org").filter(public_id=statement_id).first()
    if statement is None:
        raise NotFound(_("找不到该结算单。"))
    done = settlement.settle_statement(
        actor=request.auth, statement=statement, reference=payload.reference
    )
    return statement_out(done)


@router.get("/merchants/{org_id}/liability", response=LiabilityOut)
def liability(request, org_id: str):
    data = selectors.liability(managed(request, org_id))
    return {"outstanding": data["outstanding"], "series": data["series"]}


# --- coupons -------------------------------------------------------------------------------


def template_out(t: CouponTemplate) -> dict:
    return {
        "id": t.public_id,
        "name": t.name,
        "kind": t.kind,
        "amount_off": str(t.amount_off),
        "percent_off": t.percent_off,
        "max_off": None if t.max_off is None else str(t.max_off),
        "min_spend": str(t.min_spend),
        "valid_days": t.valid_days,
        "per_member_limit": t.per_member_limit,
        "platform_funded": t.platform_funded,
        "is_active": t.is_active,
        "merchant": t.org.public_id if t.org_id else None,
    }


def coupon_out(c: Coupon) -> dict:
    return {
        "id": c.public_id,
        "template": template_out(c.template),
        "status": c.status,
        "source": c.source,
        "valid_until": c.valid_until.isoformat(),
        "order": c.order_id or None,
    }


def _template_org(org: Organization) -> Organization | None:
    """The platform's templates belong to no merchant: usable at every merchant."""
    return None if org.kind == Organization.Kind.PLATFORM else org


@router.get("/me/coupons", response=list[CouponOut])
def my_coupons(request, usable: bool = False):
    """Your coupons; `usable=true`: only those available and unexpired."""
    return [coupon_out(c) for c in selectors.coupons_of(request.auth, usable_only=usable)]


@router.get("/merchants/{org_id}/coupon-templates", response=list[CouponTemplateOut])
def coupon_templates(request, org_id: str):
    """A merchant's (or, with the platform's id, the platform's) coupon templates."""
    org = _template_org(managed(request, org_id))
    return [template_out(t) for t in selectors.coupon_templates(org)]


@router.post("/merchants/{org_id}/coupon-templates", response={201: CouponTemplateOut})
def define_coupon_template(request, org_id: str, payload: CouponTemplateIn):
    org = _template_org(managed(request, org_id))
    return Status(201, template_out(coupons.define_template(org=org, **payload.model_dump())))


@router.post("/merchants/{org_id}/coupon-templates/{template_id}/issue", response={201: CouponOut})
def issue_coupon(request, org_id: str, template_id: str, payload: CouponIssueIn):
    """Give one coupon to a member (by phone); repeat with the same Idempotency-Key safely."""
    key = request.headers.get(HEADER)
    if not key:
        raise field_error(HEADER, _("发券需要幂等键。"))
    org = _template_org(managed(request, org_id))
    template = selectors.coupon_template(org, template_id)
    holder = selectors.coupon_recipient(org, payload.phone)

    def act():
        coupon = coupons.issue_coupon(
            template=template,
            user=holder,
            source=Coupon.Source.STAFF,
            idempotency_key=f"staff:{template.public_id}:{key}",
            issued_by=request.auth,
        )
        return 201, coupon_out(coupon)

    return idempotent(
        request,
        endpoint="issue_coupon",
        payload={"template": template_id, **payload.model_dump()},
        action=act,
    )
