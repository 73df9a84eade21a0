"""A sale at the till (收银台): the same order flow as checkout, rung up by a member of the
store's merchant, for a member named by phone or by the member code (会员码) on their phone,
paid in cash (with change) or from the member's balance, handed over at once. The member's
tier discount comes off through `services.discounts_for`; the paid order earns the
merchant's points through `OrderPaid` (earning), by the rules `quote` shows beforehand.

A refused sale writes nothing: the member, the goods and the payment are checked before the
order is placed, and the order, stock, intent and membership share one transaction."""

from dataclasses import dataclass, field, replace
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.accounts.selectors import require_role
from omniretail.accounts.services import normalize_phone
from omniretail.catalog.models import Sku
from omniretail.core.errors import NotFound, ValidationFailed, field_error
from omniretail.core.money import CENT, ZERO, money, parse_money
from omniretail.inventory import services as inventory
from omniretail.inventory.selectors import skus_by_public_ids
from omniretail.loyalty import exchange, member_code, members, settlement
from omniretail.loyalty import selectors as loyalty_reads
from omniretail.loyalty import services as loyalty
from omniretail.loyalty.models import Member
from omniretail.orders import services
from omniretail.orders.models import Order
from omniretail.payments import selectors as payment_selectors
from omniretail.payments import services as payments
from omniretail.payments.providers.base import Capability

PAYMENTS = ("cash", "balance")  # paid here, at once
# Paid by the shopper's payment code or a card at a terminal: the sale's order waits for
# its payment, which the till drives (till.services) and the order follows (orders.handlers)
DEFERRED = frozenset({Capability.PAYMENT_CODE, Capability.CARD_PRESENT})
# Points offset (积分抵扣): at most this share of what is left to pay after the discounts,
# so a sale always takes some money (docs/till.md)
OFFSET_MAX_SHARE = Decimal("0.5")
OFFSET_ASSETS = ("offline", "platform")


@dataclass(frozen=True)
class Offset:
    """Points the member pays part of the sale with: so many of one asset, worth `value`."""

    asset_code: str
    points: int
    value: Decimal
    posting: str = ""  # the spend, once the sale has made it (a refund puts it back)

    def as_line(self) -> dict:
        label = _("积分抵扣（%(n)s 积分）") % {"n": self.points}
        return {"kind": "points", "label": label, "amount": str(self.value)}


@dataclass(frozen=True)
class Quote:
    """What the lines cost this member now, and the points the sale will earn."""

    lines: list[tuple[Sku, int]]
    subtotal: Decimal
    discount_lines: list[dict]
    discount: Decimal
    total: Decimal
    points: dict[str, int] = field(default_factory=dict)
    shopper: User | None = None
    offset: Offset | None = None


def sku_for_barcode(barcode: str) -> Sku:
    """The SKU a scanner typed: its code is the barcode printed on the goods."""
    code = (barcode or "").strip()
    sku = Sku.objects.select_related("product").filter(code=code).first() if code else None
    if sku is None:
        raise NotFound(
            _("找不到条码为「%(code)s」的商品。") % {"code": code[:64]},
            fields={"barcode": _("未知条码")},
        )
    return sku


def sale_lines(lines: list[dict]) -> list[tuple[Sku, int]]:
    """(sku, quantity) pairs from lines naming a SKU by id or by barcode (one query each
    way); an unknown one is not found."""
    by_id = skus_by_public_ids([line["sku"] for line in lines if line.get("sku")])
    pairs = []
    for line in lines:
        sku = by_id[line["sku"]] if line.get("sku") else sku_for_barcode(line.get("barcode", ""))
        pairs.append((sku, line["quantity"]))
    return pairs


def identify_member(*, merchant, member: str) -> User:
    """The shopper behind a phone number (one of the merchant's members) or a member code
    (anyone: showing the code is joining, see `sell`)."""
    text = (member or "").strip()
    if member_code.is_member_code(text):
        return member_code.user_for_code(text)
    try:
        phone = normalize_phone(text)
    except ValidationFailed:
        raise field_error("member", _("请输入会员手机号或扫描会员码。")) from None
    user = User.objects.filter(
        phone=phone, is_active=True, pk__in=Member.objects.filter(org=merchant).values("user_id")
    ).first()
    if user is None:
        raise NotFound(
            _("手机号 %(phone)s 不是本店会员，请让顾客出示会员码加入。") % {"phone": phone},
            fields={"member": _("不是本店会员")},
        )
    return user


def point_worth(*, merchant, asset: str) -> tuple[str, Decimal]:
    """The asset code and the yuan one point of it is worth at the till: a platform point
    at the platform's point value; the merchant's own point at what it converts into
    (the merchant's exchange ratio times that value), so either pays the same."""
    if asset not in OFFSET_ASSETS:
        raise field_error("points_asset", _("请选择用商家积分或平台积分抵扣。"))
    if asset == "platform":
        return loyalty.PLATFORM_POINTS, settlement.point_value()
    rule = exchange.active_rule(merchant)
    return loyalty.merchant_asset_code(merchant), (
        settlement.point_value() * rule.platform / rule.offline
    )


def offset_for(*, merchant, shopper, due: Decimal, points, asset: str) -> Offset | None:
    """What `points` of `asset` take off `due` (rounded down to the fen), refused past the
    share the offset may cover, beyond the member's usable points or without a member."""
    if points in (None, "", 0, "0"):
        return None
    try:
        points = int(points)
    except (TypeError, ValueError):
        points = -1
    if points <= 0 or points > loyalty.MAX_POINTS:
        raise field_error("points", _("抵扣积分须为正整数。"))
    if shopper is None:
        raise field_error("member", _("积分抵扣需要先识别会员。"))
    code, worth = point_worth(merchant=merchant, asset=asset)
    value = (points * worth).quantize(CENT, rounding=ROUND_DOWN)
    cap = (due * OFFSET_MAX_SHARE).quantize(CENT, rounding=ROUND_DOWN)
    if value <= 0:
        raise field_error("points", _("%(n)s 积分不足 ¥0.01，无法抵扣。") % {"n": points})
    if value > cap:
        raise field_error(
            "points",
            _("积分最多抵扣应付金额的 %(share)s%%（¥%(cap)s，约 %(most)s 积分）。")
            % {
                "share": int(OFFSET_MAX_SHARE * 100),
                "cap": cap,
                "most": int(cap / worth),
            },
        )
    have = loyalty_reads.balance(shopper, code)  # spending it checks the lots' expiry too
    if points > have:
        raise field_error(
            "points", _("可用积分不足：需要 %(n)s，可用 %(have)s。") % {"n": points, "have": have}
        )
    return Offset(asset_code=code, points=points, value=value)


def quote(
    *,
    store,
    lines,
    shopper: User | None = None,
    coupon: str = "",
    points=None,
    points_asset: str = "offline",
) -> Quote:
    """The till's preview (and the sale's own pricing): subtotal, the member's tier
    discount and chosen coupon (checked by the same rules as online checkout), the points
    offset, total and the points the merchant's earn rules give on what is paid."""
    merged = services._merge_lines(lines)
    subtotal = services.subtotal_of(merged, store=store)
    if coupon and shopper is None:
        raise field_error("member", _("使用优惠券需要先识别会员。"))
    discount_lines = services.discounts_for(
        shopper=shopper, merchant=store.merchant, lines=merged, subtotal=subtotal, coupon=coupon
    )
    due = money(subtotal - services.discount_total(discount_lines, subtotal))
    offset = offset_for(
        merchant=store.merchant, shopper=shopper, due=due, points=points, asset=points_asset
    )
    if offset is not None:
        discount_lines = [*discount_lines, offset.as_line()]
    discount = services.discount_total(discount_lines, subtotal)
    total = money(subtotal - discount)
    points = {}
    if shopper is not None:
        points = loyalty.points_for_purchase(
            org=store.merchant,
            lines=[(sku.product_id, quantity) for sku, quantity in merged],
            amount=total,
        )
    return Quote(
        lines=merged,
        subtotal=subtotal,
        discount_lines=discount_lines,
        discount=discount,
        total=total,
        points={code: n for code, n in points.items() if n},
        shopper=shopper,
        offset=offset,
    )


def check_tendered(cash_tendered, total: Decimal) -> Decimal:
    """Cash handed over (none said: exactly the total); never less than the total."""
    if cash_tendered in (None, ""):
        return total
    tendered = parse_money(cash_tendered, field="cash_tendered")
    if tendered < total:
        raise field_error(
            "cash_tendered",
            _("实收 ¥%(tendered)s 少于应收 ¥%(total)s，请补足后再结账。")
            % {"tendered": tendered, "total": total},
        )
    return tendered


@transaction.atomic
def sell(
    *,
    staff,
    store,
    lines,
    member: str = "",
    shopper: User | None = None,
    payment: str = "cash",
    cash_tendered=None,
    coupon: str = "",
    points=None,
    points_asset: str = "offline",
) -> tuple[Order, Quote]:
    """Ring up and pay a sale for the member named by `member` (phone or code) or already
    identified at this till (`shopper`, so a code that turned stale while the goods were
    scanned still counts); returns the completed order and the quote it was priced by.
    The coupon is used by the order (as at checkout) and the offset's points are spent at
    this merchant in the same transaction.
    Refusals: another merchant's staff 403, an unknown member 404, an expired member code
    422, cash below the total 422, balance without a member 422, a short balance 409, a
    coupon checkout would refuse (422/404/409), an offset beyond its limits 422. A
    payment code or card payment (`DEFERRED` providers) leaves the order awaiting it."""
    require_role(staff, store.merchant)
    if payment not in PAYMENTS and payment not in payment_selectors.method_names(
        capabilities=DEFERRED
    ):
        raise field_error("payment", _("请选择收款方式：现金、余额、付款码或刷卡。"))
    if member:
        shopper = identify_member(merchant=store.merchant, member=member)
    if payment == "balance" and shopper is None:
        raise field_error("member", _("余额支付需要先识别会员。"))
    priced = quote(
        store=store,
        lines=lines,
        shopper=shopper,
        coupon=coupon,
        points=points,
        points_asset=points_asset,
    )
    if payment == "cash":
        check_tendered(cash_tendered, priced.total)
    if shopper is not None and not Member.objects.filter(user=shopper, org=store.merchant).exists():
        members.activate(user=shopper, org=store.merchant)  # showing the code is joining
    fulfilment = services.Fulfilment(
        kind=Order.Fulfilment.IN_STORE, location=inventory.location_for_store(store), store=store
    )
    order = services._place_order(
        shopper=shopper,
        merged=priced.lines,
        fulfilment=fulfilment,
        payment_provider=payment,
        coupon=coupon,
        extra_discounts=[priced.offset.as_line()] if priced.offset else (),
    )
    if priced.offset is not None:
        spend = loyalty.spend_points(
            user=shopper,
            asset_code=priced.offset.asset_code,
            points=priced.offset.points,
            reason=_("门店消费 %(number)s 积分抵扣") % {"number": order.number},
            idempotency_key=offset_key(order.public_id),
            spent_at_org=store.merchant,
        )
        priced = replace(priced, offset=replace(priced.offset, posting=spend.public_id))
    intent = services._intent(order)
    if payment not in PAYMENTS:
        return order, priced
    if payment == "cash":
        payments.record_cash_payment(staff=staff, intent=intent, organization=store.merchant)
    else:
        payments.start_payment(intent=intent, fresh=True)  # written by this sale
    order = services.mark_paid(order_id=order.public_id, intent_id=order.payment_intent_id)
    return order, priced


def offset_key(order_id: str) -> str:
    """The points spend of a sale's offset, found again by its refund."""
    return f"till-offset:{order_id}"


def change_for(tendered: Decimal | None, total: Decimal) -> Decimal:
    return money(tendered - total) if tendered is not None else ZERO
