"""Coupons: templates a merchant (or the platform) defines, coupons issued to members (by
staff, the birthday sweep, a group-buy consolation), and the discounts checkout takes: the
member's tier discount first, then one coupon.

A coupon is used exactly once: the checkout's transaction moves it available -> used with
one conditional UPDATE tied to the order, so of ten checkouts racing with the same coupon
one wins and the others are refused; the order's cancellation (unpaid, or expired) puts it
back through the `OrderStatusChanged` event."""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.core import reads
from omniretail.core.errors import Conflict, NotFound, ValidationFailed, field_error
from omniretail.core.money import CENT, ZERO, money
from omniretail.loyalty import budget
from omniretail.loyalty.models import Coupon, CouponTemplate, Member, Tier

Kind = CouponTemplate.Kind
MAX_VALID_DAYS = 366
MAX_PER_MEMBER = 100
MAX_TOTAL = 1_000_000
MAX_ISSUE_KEY = Coupon._meta.get_field("issue_key").max_length


class CouponRefused(ValidationFailed):
    """The shopper chose a coupon this order cannot take; `code` says why."""

    def __init__(self, message, *, code: str):
        super().__init__(message, code=code, fields={"coupon": message})


class CouponTaken(Conflict):
    code = "coupon_used"


@dataclass(frozen=True)
class DiscountLine:
    kind: str  # "tier" | "coupon"
    label: str
    amount: Decimal
    coupon: str = ""

    def as_dict(self) -> dict:
        row = {"kind": self.kind, "label": self.label, "amount": str(self.amount)}
        if self.coupon:
            row["coupon"] = self.coupon
        return row


# ---------------------------------------------------------------- templates


def _amount(value, field: str, *, allow_zero: bool = True) -> Decimal:
    try:
        amount = money(value)
    except (TypeError, ValueError):
        raise field_error(field, _("请输入正确的金额。")) from None
    if amount < 0 or (not allow_zero and amount == 0) or amount != Decimal(str(value)):
        raise field_error(field, _("金额须为非负数，最多两位小数。"))
    return amount


def _whole(value, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise field_error(
            field, _("须为 %(low)s 到 %(high)s 的整数。") % {"low": low, "high": high}
        )
    return value


@transaction.atomic
def define_template(
    *,
    org: Organization | None,
    name: str,
    kind: str,
    amount_off="0",
    percent_off: int = 0,
    max_off=None,
    min_spend="0",
    valid_days: int = 30,
    per_member_limit: int = 1,
    is_public: bool = False,
    total_limit: int | None = None,
    platform_funded: bool = False,
) -> CouponTemplate:
    """A new template (a birthday offer is a campaign that names one: analytics.birthday);
    `is_public` puts it in the
    领券中心, where members claim it themselves, `total_limit` of them at most;
    `platform_funded` pays each coupon issued from the merchant's coupon budget."""
    name = (name or "").strip()[:40]
    if not name:
        raise field_error("name", _("请填写优惠券名称。"))
    if kind not in Kind.values:
        raise field_error("kind", _("类型须为满减或折扣。"))
    fields = {
        "min_spend": _amount(min_spend, "min_spend"),
        "valid_days": _whole(valid_days, "valid_days", 1, MAX_VALID_DAYS),
        "per_member_limit": _whole(per_member_limit, "per_member_limit", 1, MAX_PER_MEMBER),
        "is_public": bool(is_public),
    }
    if total_limit is not None:
        fields["total_limit"] = _whole(total_limit, "total_limit", 1, MAX_TOTAL)
    if kind == Kind.AMOUNT:
        fields["amount_off"] = _amount(amount_off, "amount_off", allow_zero=False)
        if fields["min_spend"] and fields["amount_off"] > fields["min_spend"]:
            raise field_error("amount_off", _("减免金额不能超过最低消费。"))
    else:
        fields["percent_off"] = _whole(percent_off, "percent_off", 1, 99)
        if max_off not in (None, ""):
            fields["max_off"] = _amount(max_off, "max_off", allow_zero=False)
    if platform_funded:
        if org is None:
            raise field_error("platform_funded", _("平台补贴券须由商家设置。"))
        if kind == Kind.PERCENT and "max_off" not in fields:
            raise field_error("max_off", _("平台补贴的折扣券须设置最多减免金额。"))
        fields["platform_funded"] = True
    return CouponTemplate.objects.create(org=org, name=name, kind=kind, **fields)


def set_template_active(*, template: CouponTemplate, is_active: bool) -> CouponTemplate:
    """A stopped template issues no more coupons; those already issued stay usable."""
    CouponTemplate.objects.filter(pk=template.pk).update(is_active=is_active)
    template.is_active = is_active
    return template


# ---------------------------------------------------------------- issuing


def issue_coupon(
    *, template: CouponTemplate, user, source: str, idempotency_key: str, issued_by=None
) -> Coupon:
    """Give `user` one coupon of `template`; the same key returns the same coupon. Past the
    per-member limit it is refused, however many issues race (the `seq` unique constraint).
    Only staff issues count against it: a birthday campaign sends one a year by its own
    claim, and a group-buy consolation must never fail the refund it comes with."""
    if len(idempotency_key) > MAX_ISSUE_KEY:  # stored whole, or a retry could not find it
        raise field_error(
            "idempotency_key", _("幂等键不能超过 %(n)s 个字符。") % {"n": MAX_ISSUE_KEY}
        )
    existing = Coupon.objects.filter(issue_key=idempotency_key).first()
    if existing is not None:
        return existing
    if not template.is_active:
        raise field_error("template", _("该优惠券已停发。"))
    for _attempt in range(3):
        held = Coupon.objects.filter(template=template, user=user).count()
        if held >= template.per_member_limit and source == Coupon.Source.STAFF:
            raise Conflict(
                _("每人限领 %(n)s 张，已领完。") % {"n": template.per_member_limit},
                code="coupon_limit",
                fields={"template": _("已达上限")},
            )
        try:
            with transaction.atomic():
                coupon = Coupon.objects.create(
                    template=template,
                    user=user,
                    org=template.org,
                    seq=held + 1,
                    source=source,
                    valid_until=timezone.now() + timedelta(days=template.valid_days),
                    issue_key=idempotency_key,
                    issued_by=issued_by,
                )
                budget.charge(template=template, issue_key=idempotency_key)
                return coupon
        except IntegrityError:
            again = Coupon.objects.filter(issue_key=idempotency_key).first()
            if again is not None:
                return again
    raise Conflict(_("领券的人太多，请稍后再试。"), code="coupon_busy")


def claimable_templates():
    """The 领券中心: active public templates, newest first."""
    return (
        CouponTemplate.objects.filter(is_public=True, is_active=True)
        .select_related("org")
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def claim_coupon(*, template_id: str, user, idempotency_key: str) -> Coupon:
    """The member takes one coupon of a public template; the same key returns the same
    coupon. The template row's conditional UPDATE (one more claimed, while under the total)
    comes first, so it also queues a member's own racing claims behind each other; over the
    member's limit the transaction rolls that UPDATE back and nothing is written."""
    key = f"claim:{user.pk}:{idempotency_key}"  # one member's key never finds another's
    if len(key) > MAX_ISSUE_KEY or not idempotency_key:
        raise field_error("key", _("领取请求无效，请刷新页面重试。"))
    existing = Coupon.objects.filter(issue_key=key).first()
    if existing is not None:
        return existing
    template = claimable_templates().filter(public_id=template_id).first()
    if template is None:
        raise NotFound(_("该优惠券不在领券中心，无法领取。"), fields={"template": _("不可领取")})
    taken = (
        CouponTemplate.objects.filter(pk=template.pk, is_public=True, is_active=True)
        .filter(Q(total_limit__isnull=True) | Q(claimed_count__lt=F("total_limit")))
        .update(claimed_count=F("claimed_count") + 1)
    )
    if not taken:
        raise Conflict(
            _("「%(name)s」已被领完。") % {"name": template.name},
            code="coupon_sold_out",
            fields={"template": _("已领完")},
        )
    held = Coupon.objects.filter(template=template, user=user).count()
    if held >= template.per_member_limit:
        raise Conflict(
            _("「%(name)s」每人限领 %(n)s 张，您已领过。")
            % {"name": template.name, "n": template.per_member_limit},
            code="coupon_limit",
            fields={"template": _("已达上限")},
        )
    coupon = Coupon.objects.create(
        template=template,
        user=user,
        org=template.org,
        seq=held + 1,
        source=Coupon.Source.CLAIM,
        valid_until=timezone.now() + timedelta(days=template.valid_days),
        issue_key=key,
    )
    budget.charge(template=template, issue_key=key)
    return coupon


# ---------------------------------------------------------------- discounts at checkout


def _percent_of(amount: Decimal, percent: int) -> Decimal:
    return (amount * percent / Decimal(100)).quantize(CENT, rounding=ROUND_HALF_UP)


_TIER_SQL = (
    f"SELECT t.name, t.discount_percent FROM {reads.table(Member)} m"
    f" JOIN {reads.table(Tier)} t ON t.org_id = m.org_id AND t.name = m.tier"
    " WHERE m.user_id = %s AND m.org_id = %s AND m.activated_at IS NOT NULL"
    " ORDER BY t.rank LIMIT 1"
)


def tier_discount(*, shopper, merchant: Organization, subtotal: Decimal) -> DiscountLine | None:
    """The member tier's discount % of the goods, rounded half up to the fen. One statement,
    member or not (checkout's query budget counts it), in plain SQL: compiling the ORM's
    subquery cost a checkout more CPU than running it."""
    found = reads.fetch(_TIER_SQL, [shopper.pk, merchant.pk])
    if not found:
        return None
    name, percent = found[0]
    amount = _percent_of(subtotal, percent)
    if not amount:
        return None
    label = _("%(tier)s会员 %(p)s%% 折扣") % {"tier": name, "p": percent}
    return DiscountLine(kind="tier", label=label, amount=amount)


def coupon_value(template: CouponTemplate, base: Decimal) -> Decimal:
    """What the coupon takes off `base` (never more than `base`)."""
    if template.kind == Kind.AMOUNT:
        value = template.amount_off
    else:
        value = _percent_of(base, template.percent_off)
        if template.max_off is not None:
            value = min(value, template.max_off)
    return min(value, base)


def _check(coupon: Coupon, *, shopper, merchant: Organization, subtotal: Decimal, now) -> None:
    if coupon.user_id != shopper.pk:
        raise NotFound(_("找不到该优惠券。"), fields={"coupon": _("不存在")})
    if coupon.status != Coupon.Status.AVAILABLE:
        raise CouponTaken(_("该优惠券已被使用。"), fields={"coupon": _("已使用")})
    if coupon.valid_until <= now:
        raise CouponRefused(
            _("该优惠券已于 %(at)s 过期。")
            % {"at": timezone.localtime(coupon.valid_until).strftime("%Y-%m-%d %H:%M")},
            code="coupon_expired",
        )
    if coupon.org_id is not None and coupon.org_id != merchant.pk:
        raise CouponRefused(
            _("该优惠券仅限 %(org)s 使用。") % {"org": coupon.org.name},
            code="coupon_wrong_merchant",
        )
    if subtotal < coupon.template.min_spend:
        raise CouponRefused(
            _("商品金额满 ¥%(min)s 才能使用该优惠券。") % {"min": coupon.template.min_spend},
            code="coupon_min_spend",
        )


def _coupon(public_id: str) -> Coupon:
    coupon = Coupon.objects.select_related("template", "org").filter(public_id=public_id).first()
    if coupon is None:
        raise NotFound(_("找不到该优惠券。"), fields={"coupon": _("不存在")})
    return coupon


def discounts(
    *,
    shopper,
    merchant: Organization,
    subtotal: Decimal,
    coupon: str = "",
    order_id: str = "",
    known: tuple = (),
) -> list[DiscountLine]:
    """The discounts of an order at `merchant`: the tier's, then the coupon's on what is
    left (its minimum spend is on the goods' subtotal). With `order_id` the coupon is taken
    for that order in the caller's transaction; without, it is a preview, which may pass
    the coupons it has just read (`known`: the page's usable coupons) so as not to read the
    chosen one again; it is checked all the same."""
    if shopper is None or not getattr(shopper, "pk", None):
        return []
    lines = []
    tier = tier_discount(shopper=shopper, merchant=merchant, subtotal=subtotal)
    if tier is not None:
        lines.append(tier)
    if coupon:
        held = next((c for c in known if c.public_id == coupon), None) or _coupon(coupon)
        now = timezone.now()
        _check(held, shopper=shopper, merchant=merchant, subtotal=subtotal, now=now)
        base = subtotal - sum((line.amount for line in lines), ZERO)
        amount = coupon_value(held.template, base)
        if order_id:
            _take(held, shopper=shopper, merchant=merchant, order_id=order_id, now=now)
        lines.append(
            DiscountLine(kind="coupon", label=held.template.name, amount=amount, coupon=coupon)
        )
    return lines


def _take(coupon: Coupon, *, shopper, merchant, order_id: str, now) -> None:
    """The one statement that uses a coupon: only an available, unexpired coupon of this
    shopper for this merchant (or the platform's) moves, so a racing checkout finds 0 rows."""
    taken = Coupon.objects.filter(
        Q(org__isnull=True) | Q(org=merchant),
        pk=coupon.pk,
        user=shopper,
        status=Coupon.Status.AVAILABLE,
        valid_until__gt=now,
    ).update(status=Coupon.Status.USED, order_id=order_id, used_at=now)
    if not taken:
        raise CouponTaken(_("该优惠券已被使用。"), fields={"coupon": _("已使用")})


def release_for_order(*, order_id: str) -> int:
    """An order that will never be paid gives its coupon back (idempotent: a second call
    finds nothing used by that order)."""
    return Coupon.objects.filter(order_id=order_id, status=Coupon.Status.USED).update(
        status=Coupon.Status.AVAILABLE, order_id="", used_at=None
    )


def return_for_refund(*, order_id: str, now=None) -> int:
    """An order refunded in full gives its coupon back while the coupon is still within its
    validity (one conditional UPDATE; a second call finds nothing used by the order). A
    coupon past its date stays used, and a partial refund keeps it used."""
    return Coupon.objects.filter(
        order_id=order_id, status=Coupon.Status.USED, valid_until__gt=now or timezone.now()
    ).update(status=Coupon.Status.AVAILABLE, order_id="", used_at=None)


def best_coupon(*, candidates, subtotal: Decimal) -> str:
    """Of the shopper's usable coupons (`selectors.usable_coupons`, which the checkout page
    lists anyway), the one worth most on this order, or ""."""
    best, best_value = "", ZERO
    for coupon in candidates:
        if subtotal >= coupon.template.min_spend:
            value = coupon_value(coupon.template, subtotal)
            if value > best_value:
                best, best_value = coupon.public_id, value
    return best
