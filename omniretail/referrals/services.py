"""Sharing, clicks and attribution, and the merchant's programme rules. The orders domain
knows nothing of this: a click is recorded here, and when orders publishes `OrderPaid` the
handler attributes the sale to the last valid click (rewards are paid in `rewards`)."""

import functools
from datetime import timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import (
    MANAGING_ROLES,
    is_platform_operator,
    require_role,
    require_user,
)
from omniretail.catalog.models import Product
from omniretail.core import reads
from omniretail.core.errors import Conflict, NotFound, ValidationFailed, field_error
from omniretail.core.ids import new_public_id
from omniretail.core.money import CENT, ZERO, money
from omniretail.notifications.services import notify
from omniretail.orders import selectors as order_selectors
from omniretail.orders.models import Order
from omniretail.referrals import links
from omniretail.referrals.models import (
    MAX_COMMISSION_RATE,
    MAX_REBATE_RATE,
    RATE_PLACES,
    Attribution,
    Form,
    ProductRebateRate,
    ReferralProgramme,
    Reseller,
    ShareAward,
    ShareLink,
    ShareVisit,
    percent_of,
)
from omniretail.referrals.points import award_points

MAX_TIERS = 6
MAX_PAYOUT_MINIMUM = Decimal("100000.00")
MAX_SESSION_VISITS = 20


class InvalidShareLink(ValidationFailed):
    code = "invalid_share_link"


class SelfReferral(Conflict):
    code = "self_referral"


def invalid_link() -> InvalidShareLink:
    message = _("分享链接无效或已被篡改。")
    return InvalidShareLink(message, fields={"token": message})


# ---------------------------------------------------------------- the merchant's rules


def _require_manager(staff, merchant: Organization) -> None:
    if not is_platform_operator(staff):
        require_role(staff, merchant, MANAGING_ROLES)
    if merchant.kind != Organization.Kind.MERCHANT:
        raise field_error("merchant", _("只有商家可以设置分享返利。"))


def _programme(merchant: Organization) -> ReferralProgramme:
    return ReferralProgramme.objects.get_or_create(merchant=merchant)[0]


def parse_rate(value, *, field: str, maximum: Decimal, allow_zero: bool = True) -> Decimal:
    """A share such as "0.05"; never a float, at most four places, within 0..maximum."""
    if isinstance(value, float | bool) or value is None:
        raise field_error(field, _("比例必须是数字，例如 0.05 表示 5%。"))
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise field_error(field, _("比例必须是数字，例如 0.05 表示 5%。")) from None
    if not rate.is_finite() or rate != rate.quantize(Decimal(1).scaleb(-RATE_PLACES)):
        raise field_error(field, _("比例最多精确到 0.01%。"))
    lowest = ZERO if allow_zero else Decimal("0.0001")
    if not lowest <= rate <= maximum:
        raise field_error(
            field,
            _("比例需在 %(low)s%% 到 %(high)s%% 之间。")
            % {"low": percent_of(lowest), "high": percent_of(maximum)},
        )
    return rate.quantize(Decimal(1).scaleb(-RATE_PLACES))


def parse_tiers(tiers) -> list[dict]:
    """Commission tiers by monthly referred orders: ascending limits, the last one open."""
    if not isinstance(tiers, list) or not 1 <= len(tiers) <= MAX_TIERS:
        raise field_error("tiers", _("请设置 1 到 %(n)s 档提成。") % {"n": MAX_TIERS})
    parsed, previous = [], 0
    for index, tier in enumerate(tiers):
        if not isinstance(tier, dict):
            raise field_error(f"tiers.{index}", _("每档需包含订单数上限和比例。"))
        up_to = tier.get("up_to")
        last = index == len(tiers) - 1
        if last and up_to is not None:
            raise field_error(f"tiers.{index}.up_to", _("最后一档不设上限。"))
        if not last and (
            isinstance(up_to, bool) or not isinstance(up_to, int) or not previous < up_to <= 10_000
        ):
            raise field_error(
                f"tiers.{index}.up_to",
                _("订单数上限需为大于 %(n)s 的整数，且逐档递增。") % {"n": previous},
            )
        rate = parse_rate(
            tier.get("rate"),
            field=f"tiers.{index}.rate",
            maximum=MAX_COMMISSION_RATE,
            allow_zero=False,
        )
        parsed.append({"up_to": up_to, "rate": str(rate)})
        previous = up_to or previous
    return parsed


def _whole(value, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise field_error(
            field, _("请输入 %(low)s 到 %(high)s 之间的整数。") % {"low": low, "high": high}
        )
    return value


@transaction.atomic
def configure_programme(
    *,
    staff,
    merchant: Organization,
    is_active: bool | None = None,
    rebate_rate=None,
    rebate_form: str | None = None,
    attribution_days: int | None = None,
    reseller_threshold: int | None = None,
    tiers: list | None = None,
    payout_minimum=None,
    freeze_days: int | None = None,
) -> ReferralProgramme:
    """A manager changes the rules; what is left out stays as it was. Sales already
    attributed keep the rate they were made at."""
    _require_manager(staff, merchant)
    changes: dict = {}
    if is_active is not None:
        changes["is_active"] = bool(is_active)
    if rebate_rate is not None:
        changes["rebate_rate"] = parse_rate(
            rebate_rate, field="rebate_rate", maximum=MAX_REBATE_RATE
        )
    if rebate_form is not None:
        if rebate_form not in Form.values:
            raise field_error("rebate_form", _("返利方式只能是现金或积分。"))
        changes["rebate_form"] = rebate_form
    if attribution_days is not None:
        changes["attribution_days"] = _whole(
            attribution_days, field="attribution_days", low=1, high=90
        )
    if reseller_threshold is not None:
        changes["reseller_threshold"] = _whole(
            reseller_threshold, field="reseller_threshold", low=1, high=1000
        )
    if tiers is not None:
        changes["tiers"] = parse_tiers(tiers)
    if payout_minimum is not None:
        try:
            minimum = money(payout_minimum)
        except (TypeError, ValueError):
            raise field_error("payout_minimum", _("请输入正确的金额。")) from None
        if not CENT <= minimum <= MAX_PAYOUT_MINIMUM:
            raise field_error("payout_minimum", _("最低提现金额需在 ¥0.01 到 ¥100000 之间。"))
        changes["payout_minimum"] = minimum
    if freeze_days is not None:
        changes["freeze_days"] = _whole(freeze_days, field="freeze_days", low=0, high=90)
    programme = _programme(merchant)
    if changes:
        ReferralProgramme.objects.filter(pk=programme.pk).update(
            **changes, updated_at=timezone.now()
        )
        programme.refresh_from_db()
    return programme


@transaction.atomic
def set_product_rate(*, staff, merchant: Organization, product: Product, rate) -> Decimal | None:
    """A rebate rate for one product; `rate=None` goes back to the programme's default."""
    _require_manager(staff, merchant)
    programme = _programme(merchant)
    if rate is None:
        ProductRebateRate.objects.filter(programme=programme, product=product).delete()
        return None
    parsed = parse_rate(rate, field="rate", maximum=MAX_REBATE_RATE)
    ProductRebateRate.objects.update_or_create(
        programme=programme, product=product, defaults={"rate": parsed}
    )
    return parsed


# ---------------------------------------------------------------- sharing and clicks


def share_points() -> int:
    return int(getattr(settings, "OMNI_REFERRAL_SHARE_POINTS", 10))


@transaction.atomic
def share_product(*, sharer, product: Product) -> tuple[ShareLink, int]:
    """The sharer's private link to `product` (the same link every time), and the points
    this share earned: the configured amount the first time today, nothing after."""
    require_user(sharer)
    if product.status != Product.Status.APPROVED:
        raise NotFound(_("找不到该商品。"))
    link = ShareLink.objects.filter(sharer=sharer, product=product).first()
    if link is None:
        try:
            with transaction.atomic():
                link = ShareLink.objects.create(sharer=sharer, product=product)
        except IntegrityError:  # a second tab shared the same product at the same moment
            link = ShareLink.objects.get(sharer=sharer, product=product)
    points = share_points()
    if points <= 0:
        return link, 0
    try:
        with transaction.atomic():
            award = ShareAward.objects.create(
                sharer=sharer, product=product, day=timezone.localdate(), points=points
            )
    except IntegrityError:
        return link, 0
    award_points(
        user=sharer,
        points=points,
        reason=f"share:{product.public_id}",
        idempotency_key=f"share:{award.public_id}",
    )
    return link, points


# A click is the hot path: read only what it needs (a product's text columns are large), as
# plain values in one hand-written join. `select_related` + `only` walked every reverse
# relation of Product to compile the join (a quarter of a click's CPU over HTTP), and even
# `values_list` compiling it was 70 % of a click's CPU in the service (bench/referrals.py).
LINK_FIELDS = ("id", "public_id", "sharer_id", "product_id")
PRODUCT_FIELDS = ("public_id", "name", "status")
LINK_SQL = (
    f"SELECT {', '.join(f'l.{f}' for f in LINK_FIELDS)}, "
    f"{', '.join(f'p.{f}' for f in PRODUCT_FIELDS)} "
    f"FROM {ShareLink._meta.db_table} l JOIN {Product._meta.db_table} p ON p.id = l.product_id "
    "WHERE l.public_id = %s"
)


def link_for_token(token: str) -> ShareLink:
    public_id = links.public_id_from(token)
    row = None
    if public_id:
        with connection.cursor() as cursor:
            cursor.execute(LINK_SQL, [public_id])
            row = cursor.fetchone()
    return _link_from_row(row)


def _link_from_row(row) -> ShareLink:
    """The link and its product from LINK_FIELDS + PRODUCT_FIELDS, if one was found and
    its product is on sale."""
    if row is None:
        raise invalid_link()
    link = _loaded(ShareLink, dict(zip(LINK_FIELDS, row, strict=False)))
    product = dict(zip(PRODUCT_FIELDS, row[len(LINK_FIELDS) : len(LINK_FIELDS) + 3], strict=True))
    link.product = _loaded(Product, {"id": link.product_id, **product})
    if link.product.status != Product.Status.APPROVED:
        raise NotFound(_("该商品已下架。"))
    return link


def _loaded(model, values: dict):
    """An instance as the ORM loads one with only `values`' fields (the rest deferred);
    `from_db` takes them in the model's field order."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(model.objects.db, names, [values[name] for name in names])


def record_visit(*, token: str, visitor=None, earlier_visit_ids=()) -> ShareVisit:
    """A click on a share link, by a member or (until they log in) by a session. Clicking
    one's own link is refused: a sharer cannot earn on their own purchase. A repeated click
    moves the existing visit's time, so the last click is the one that counts.

    The hot path of sharing. On PostgreSQL one statement reads the link and moves the
    visitor's visit or, when there is none, inserts one (CLICK_SQL); elsewhere the link's
    read, then one write (a repeated click moves its visit with UPDATE ... RETURNING; a first
    one finds none and inserts). No transaction of its own: a click writes one row in one
    statement, so there is nothing to undo together (inside a caller's transaction it is
    part of that one)."""
    now = timezone.now()
    member = getattr(visitor, "is_authenticated", False)
    earlier = [] if member else [str(v) for v in earlier_visit_ids][-MAX_SESSION_VISITS:]
    if connection.vendor == "postgresql":
        return _click(token, now, visitor_id=visitor.pk if member else None, visit_ids=earlier)
    link = link_for_token(token)
    if member:
        _refuse_own(link, visitor.pk)
        moved = _move_visit(link, now, visitor_id=visitor.pk)
    else:
        moved = _move_visit(link, now, visit_ids=earlier) if earlier else None
    if moved is not None:
        return moved
    return _new_visit(link, now, visitor_id=visitor.pk if member else None)


def _refuse_own(link: ShareLink, visitor_id) -> None:
    if visitor_id is not None and visitor_id == link.sharer_id:
        message = _("这是您自己的分享链接，自己购买不产生返利。")
        raise SelfReferral(message, fields={"token": message})


# A click on PostgreSQL in one round trip (a first click was three: the link, the UPDATE
# that found nothing, the INSERT; bench/referrals.py). Only a link whose product is on sale
# and that is not the member's own gets a visit (`target`); the link's row comes back either
# way, so the refusals are told apart as link_for_token and _refuse_own tell them. All CTEs
# see one snapshot, so the INSERT asks `moved`'s output, not the table. Built once a process.
_CLICK_SQL = (
    "WITH link AS ({link}), "
    "target AS (SELECT id FROM link WHERE status = %(approved)s "
    "AND sharer_id IS DISTINCT FROM %(visitor)s), "
    "moved AS (UPDATE {visits} v SET visited_at = %(now)s FROM target "
    "WHERE v.link_id = target.id AND {{who}} RETURNING v.id, v.public_id, false AS added), "
    "added AS (INSERT INTO {visits} (public_id, link_id, visitor_id, visited_at, created_at) "
    "SELECT %(new)s, target.id, %(visitor)s, %(now)s, %(now)s FROM target "
    "WHERE NOT EXISTS (SELECT FROM moved) RETURNING id, public_id, true AS added) "
    "SELECT link.*, visit.* FROM link LEFT JOIN (SELECT * FROM moved UNION ALL "
    "SELECT * FROM added ORDER BY id LIMIT 1) visit ON true"  # duplicates from a race all move
).format(
    link=LINK_SQL.replace("%s", "%(link)s").replace("p.public_id", "p.public_id AS product"),
    visits=ShareVisit._meta.db_table,
)
CLICK_SQL = {
    "member": _CLICK_SQL.format(who="v.visitor_id = %(visitor)s"),
    "guest": _CLICK_SQL.format(who="v.visitor_id IS NULL AND v.public_id = ANY(%(earlier)s)"),
}


def _click(token: str, now, *, visitor_id, visit_ids) -> ShareVisit:
    public_id = links.public_id_from(token)
    row = None
    if public_id:
        params = {
            "link": public_id,
            "approved": Product.Status.APPROVED.value,
            "visitor": visitor_id,
            "now": now,
            "new": new_public_id(),
            "earlier": list(visit_ids),
        }
        with connection.cursor() as cursor:
            cursor.execute(CLICK_SQL["guest" if visitor_id is None else "member"], params)
            row = cursor.fetchone()
    link = _link_from_row(row)
    _refuse_own(link, visitor_id)
    pk, visit_public_id, added = row[-3:]
    visit = _loaded(ShareVisit, {"id": pk, "public_id": visit_public_id, "visitor_id": visitor_id})
    visit.link, visit.visited_at = link, now
    if added:
        visit.created_at = now
    return visit


def _move_visit(link: ShareLink, now, *, visitor_id=None, visit_ids=()) -> ShareVisit | None:
    """The visitor's earlier click on `link` (a member's, or a guest's among `visit_ids`)
    moved to `now` in one statement, or None when there is none: no read before the write.
    Raw SQL because the ORM's update() cannot return the row it moved."""
    table = ShareVisit._meta.db_table
    if visitor_id is not None:
        who, params = "visitor_id = %s", [visitor_id]
    else:
        who = f"visitor_id IS NULL AND public_id IN ({', '.join(['%s'] * len(visit_ids))})"
        params = list(visit_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET visited_at = %s WHERE link_id = %s AND {who} "
            "RETURNING id, public_id",
            [connection.ops.adapt_datetimefield_value(now), link.pk, *params],
        )
        row = min(cursor.fetchall(), default=None)  # duplicates from a race all move
    if row is None:
        return None
    visit = _loaded(ShareVisit, {"id": row[0], "public_id": row[1], "visitor_id": visitor_id})
    visit.link, visit.visited_at = link, now
    return visit


def _new_visit(link: ShareLink, now, *, visitor_id) -> ShareVisit:
    """A first click's visit in one INSERT (the ORM's create() was over half of a click's
    CPU once the link's read was plain SQL). No signal listens to ShareVisit's saves."""
    public_id, stamp = new_public_id(), connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {ShareVisit._meta.db_table} "
            "(public_id, link_id, visitor_id, visited_at, created_at) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            [public_id, link.pk, visitor_id, stamp, stamp],
        )
        (pk,) = cursor.fetchone()
    visit = _loaded(ShareVisit, {"id": pk, "public_id": public_id, "visitor_id": visitor_id})
    visit.link, visit.visited_at, visit.created_at = link, now, now
    return visit


@transaction.atomic
def claim_visits(*, user, visit_ids) -> int:
    """At login the clicks made as a guest become the member's, except on their own links."""
    ids = [str(v) for v in list(visit_ids)[-MAX_SESSION_VISITS:]]
    if not ids:
        return 0
    return (
        ShareVisit.objects.filter(public_id__in=ids, visitor__isnull=True)
        .exclude(link__sharer=user)
        .update(visitor=user)
    )


# ---------------------------------------------------------------- attribution


def rebate_rate_for(programme: ReferralProgramme, product_id: int) -> Decimal:
    if programme.pk is None:
        return programme.rebate_rate
    override = ProductRebateRate.objects.filter(programme=programme, product_id=product_id).first()
    return override.rate if override else programme.rebate_rate


def _attributable_base(order: Order, line_total: Decimal) -> Decimal:
    """The product's share of what was actually paid for goods (discounts spread evenly)."""
    if order.subtotal <= ZERO:
        return ZERO
    paid_for_goods = order.subtotal - order.discount_total
    return (line_total * paid_for_goods / order.subtotal).quantize(CENT, rounding=ROUND_DOWN)


@functools.cache
def _visits_sql() -> str:
    v, k = reads.table(ShareVisit), reads.table(ShareLink)
    return (
        f"{reads.select_joined(ShareVisit, 'link')} WHERE {v}.visitor_id = %s"
        f" AND {v}.visited_at >= %s AND {v}.visited_at <= %s AND {k}.sharer_id <> %s"
        f" ORDER BY {v}.visited_at DESC, {v}.id DESC"
    )


def _last_valid_visits(order: Order, window: timedelta) -> dict[int, ShareVisit]:
    """Per product, the buyer's latest click within the window before payment, on someone
    else's link (most buyers have none: then the order's lines are never read). Plain SQL
    (core.reads), as is the programme's read: every paid order asks, and compiling the ORM's
    queries cost more CPU than running them."""
    paid_at = order.paid_at or timezone.now()
    since, until = (
        connection.ops.adapt_datetimefield_value(at) for at in (paid_at - window, paid_at)
    )
    rows = reads.fetch(_visits_sql(), [order.shopper_id, since, until, order.shopper_id])
    latest: dict[int, ShareVisit] = {}
    for row in rows:
        visit = reads.linked(row, ShareVisit, "link")
        latest.setdefault(visit.link.product_id, visit)
    return latest


def attribute_order(*, order_id: str) -> list[Attribution]:
    """Called on `OrderPaid`: each product bought through a share link is attributed to its
    sharer, who is told what the sale will earn once the order completes. Running it again
    for the same order adds nothing."""
    order = order_selectors.order_with_parties(order_id)
    if order is None or order.shopper_id is None:
        return []
    found = reads.where(ReferralProgramme, "t0.merchant_id = %s", [order.merchant_id])
    # without a row of its own, the merchant runs the defaults (unsaved)
    programme = found[0] if found else ReferralProgramme(merchant_id=order.merchant_id)
    if not programme.is_active:
        return []
    visits = _last_valid_visits(order, timedelta(days=programme.attribution_days))
    if not visits:
        return []  # most orders: three reads, no savepoint
    return _attribute(order, programme, visits)


@transaction.atomic
def _attribute(
    order: Order, programme: ReferralProgramme, visits: dict[int, ShareVisit]
) -> list[Attribution]:
    merchant_id = order.merchant_id
    totals: dict[int, Decimal] = {}
    names: dict[int, str] = {}
    for line in order.lines.select_related("sku"):
        totals[line.sku.product_id] = totals.get(line.sku.product_id, ZERO) + line.line_total
        names[line.sku.product_id] = line.product_name
    made = []
    for product_id, visit in visits.items():
        if product_id not in totals:
            continue  # a click on another product's link
        base = _attributable_base(order, totals[product_id])
        if base <= ZERO:
            continue
        is_reseller = Reseller.objects.filter(
            user_id=visit.link.sharer_id, merchant_id=merchant_id
        ).exists()
        attribution, created = Attribution.objects.get_or_create(
            order=order,
            product_id=product_id,
            defaults={
                "merchant_id": merchant_id,
                "link": visit.link,
                "sharer_id": visit.link.sharer_id,
                "buyer_id": order.shopper_id,
                "kind": Attribution.Kind.COMMISSION if is_reseller else Attribution.Kind.REBATE,
                "form": Form.CASH if is_reseller else programme.rebate_form,
                "rate": ZERO if is_reseller else rebate_rate_for(programme, product_id),
                "base": base,
                "kept_base": base,
            },
        )
        if created:
            made.append(attribution)
            _tell_sharer_of_sale(attribution, names[product_id])
    return made


def _tell_sharer_of_sale(attribution: Attribution, product_name: str) -> None:
    if attribution.kind == Attribution.Kind.COMMISSION:
        body = _(
            "好友通过您的分享购买了「%(product)s」（¥%(base)s）。订单完成且售后期结束后，"
            "将按本月阶梯提成比例计入您的提成账户。"
        ) % {"product": product_name, "base": attribution.base}
    else:
        estimate = (attribution.base * attribution.rate).quantize(CENT, rounding=ROUND_DOWN)
        body = _(
            "好友通过您的分享购买了「%(product)s」（¥%(base)s）。订单完成且售后期结束后，"
            "您将获得 %(rate)s%% 返利约 ¥%(amount)s，以%(form)s发放。"
        ) % {
            "product": product_name,
            "base": attribution.base,
            "rate": percent_of(attribution.rate),
            "amount": estimate,
            "form": attribution.get_form_display(),
        }
    notify(
        user=attribution.sharer,
        title=_("分享成交"),
        body=body,
        link="/me/referrals/",
    )
