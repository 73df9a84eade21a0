"""A sale at the till (收银台): the same order flow as checkout, rung up by a member of the
store's merchant, for a member named by phone or by the member code (会员码) on their phone,
paid in cash (with change) or from the member's balance, handed over at once. The member's
tier discount comes off through `services.discounts_for`; the paid order earns the
merchant's points through `OrderPaid` (earning), by the rules `quote` shows beforehand.

A refused sale writes nothing: the member, the goods and the payment are checked before the
order is placed, and the order, stock, intent and membership share one transaction."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.accounts.selectors import require_role
from omniretail.accounts.services import normalize_phone
from omniretail.catalog.models import Sku
from omniretail.core.errors import NotFound, ValidationFailed, field_error
from omniretail.core.money import ZERO, money, parse_money
from omniretail.inventory import services as inventory
from omniretail.inventory.selectors import skus_by_public_ids
from omniretail.loyalty import member_code, members
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


def quote(*, store, lines, shopper: User | None = None) -> Quote:
    """The till's preview (and the sale's own pricing): subtotal, the member's tier
    discount, total and the points by the merchant's earn rules."""
    merged = services._merge_lines(lines)
    subtotal = services.subtotal_of(merged)
    discount_lines = services.discounts_for(
        shopper=shopper, merchant=store.merchant, lines=merged, subtotal=subtotal
    )
    discount = services.discount_total(discount_lines, subtotal)
    total = money(subtotal - discount)
    points = {}
    if shopper is not None:
        points = loyalty.points_for_purchase(
            org=store.merchant,
            lines=[(sku.product, quantity) for sku, quantity in merged],
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
) -> tuple[Order, Quote]:
    """Ring up and pay a sale for the member named by `member` (phone or code) or already
    identified at this till (`shopper`, so a code that turned stale while the goods were
    scanned still counts); returns the completed order and the quote it was priced by.
    Refusals: another merchant's staff 403, an unknown member 404, an expired member code
    422, cash below the total 422, balance without a member 422, a short balance 409. A
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
    priced = quote(store=store, lines=lines, shopper=shopper)
    if payment == "cash":
        check_tendered(cash_tendered, priced.total)
    if shopper is not None and not Member.objects.filter(user=shopper, org=store.merchant).exists():
        members.activate(user=shopper, org=store.merchant)  # showing the code is joining
    fulfilment = services.Fulfilment(
        kind=Order.Fulfilment.IN_STORE, location=inventory.location_for_store(store), store=store
    )
    order = services._place_order(
        shopper=shopper, merged=priced.lines, fulfilment=fulfilment, payment_provider=payment
    )
    intent = services._intent(order)
    if payment not in PAYMENTS:
        return order, priced
    if payment == "cash":
        payments.record_cash_payment(staff=staff, intent=intent, organization=store.merchant)
    else:
        payments.start_payment(intent=intent)
    order = services.mark_paid(order_id=order.public_id, intent_id=order.payment_intent_id)
    return order, priced


def change_for(tendered: Decimal | None, total: Decimal) -> Decimal:
    return money(tendered - total) if tendered is not None else ZERO
