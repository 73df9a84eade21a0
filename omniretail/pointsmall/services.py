"""Every write of the points mall: listing goods, redeeming one (stock reserved at the
chosen store, points spent, pickup voucher issued - all in one transaction) and giving the
points back when a voucher lapses unused."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization, User
from omniretail.accounts.selectors import require_role, require_user
from omniretail.catalog.models import Product
from omniretail.core.errors import Conflict, DomainError, ValidationFailed, field_error
from omniretail.core.idempotency import MAX_KEY_LENGTH, fingerprint
from omniretail.core.money import ZERO, money
from omniretail.loyalty import services as loyalty
from omniretail.notifications.services import notify
from omniretail.orders import prepaid
from omniretail.orders.models import Order
from omniretail.orders.state import IllegalTransition
from omniretail.pointsmall.models import MAX_VOUCHER_DAYS, PointsGood, Redemption

S = Order.Status
MAX_POINTS_PRICE = 10_000_000
MAX_CASH_PRICE = Decimal("100000")


@transaction.atomic
def create_good(
    *,
    actor,
    merchant: Organization,
    sku,
    title: str,
    points_price: int,
    stores: list,
    asset_code: str = loyalty.PLATFORM_POINTS,
    description: str = "",
    voucher_days: int = 7,
    cash_price: Decimal | str = ZERO,
) -> PointsGood:
    """A merchant offers one of the SKUs it stocks for points (plus, if it likes, some
    cash), at some of its own stores, priced in platform points or its own offline points."""
    require_role(actor, merchant)
    fields = {}
    title = (title or "").strip()
    if not title or len(title) > 120:
        fields["title"] = _("请填写名称（不超过 120 个字）。")
    if sku is None or not sku.is_active or sku.product.status != Product.Status.APPROVED:
        fields["sku"] = _("请选择在售的商品规格。")
    if isinstance(points_price, bool) or not isinstance(points_price, int):
        fields["points_price"] = _("积分必须是整数。")
    elif not 1 <= points_price <= MAX_POINTS_PRICE:
        fields["points_price"] = _("所需积分需在 1 到 %(max)s 之间。") % {"max": MAX_POINTS_PRICE}
    try:
        cash_price = money(cash_price)
    except (InvalidOperation, TypeError, ValueError):
        cash_price = None
    if cash_price is None or not ZERO <= cash_price <= MAX_CASH_PRICE:
        fields["cash_price"] = _("另付现金需在 0 到 %(max)s 元之间。") % {"max": MAX_CASH_PRICE}
    if asset_code not in (loyalty.PLATFORM_POINTS, loyalty.merchant_asset_code(merchant)):
        fields["asset_code"] = _("只能使用平台积分或本商家积分。")
    if isinstance(voucher_days, bool) or not isinstance(voucher_days, int):
        fields["voucher_days"] = _("有效天数必须是整数。")
    elif not 1 <= voucher_days <= MAX_VOUCHER_DAYS:
        fields["voucher_days"] = _("有效天数需在 1 到 %(max)s 之间。") % {"max": MAX_VOUCHER_DAYS}
    if not stores or any(s.merchant_id != merchant.pk for s in stores):
        fields["stores"] = _("请选择本商家的门店。")
    if fields:
        raise ValidationFailed(fields=fields)
    good = PointsGood.objects.create(
        merchant=merchant,
        sku=sku,
        title=title,
        description=(description or "").strip(),
        points_price=points_price,
        cash_price=cash_price,
        asset_code=asset_code,
        voucher_days=voucher_days,
    )
    good.stores.set(stores)
    return good


def redeem(
    *,
    member,
    good: PointsGood,
    store,
    idempotency_key: str,
    payment_provider: str = "sandbox_gateway",
) -> Redemption:
    """Reserve one unit at `store`, spend the points, issue the pickup voucher; all or
    nothing. A good with a cash part leaves its pickup order awaiting that payment (the
    usual order payment); unpaid in time, the order is cancelled and the points come back.
    The same key with the same request returns the first redemption (a retried tap never
    spends twice); with another request it is a 409."""
    require_user(member)
    if not idempotency_key or len(idempotency_key) > MAX_KEY_LENGTH:
        raise field_error("idempotency_key", _("幂等键不能为空且不超过 255 个字符。"))
    digest = fingerprint({"good": good.pk, "store": getattr(store, "pk", None)})
    replay = _replay(member, idempotency_key, digest)
    if replay is not None:
        return replay
    if not good.is_active:
        raise Conflict(_("该积分商品已下架。"), code="good_unavailable")
    if store is None or not good.stores.filter(pk=store.pk, is_active=True).exists():
        raise field_error("store", _("请选择可兑换该商品的门店。"))
    with transaction.atomic():
        # One member's taps queue here: a twin with the same key then finds the first
        # redemption instead of racing it for the points and the stock.
        _lock_member(member)
        replay = _replay(member, idempotency_key, digest)
        if replay is not None:
            return replay
        return _redeem(member, good, store, idempotency_key, digest, payment_provider)


def _lock_member(member) -> None:
    """The points mall's one lock: the redeeming member's row."""
    User.objects.select_for_update(no_key=True).filter(pk=member.pk).values_list("pk").first()


def _replay(member, key: str, digest: str) -> Redemption | None:
    found = Redemption.objects.filter(member=member, idempotency_key=key).first()
    if found is not None and found.request_fingerprint != digest:
        raise Conflict(_("该幂等键已用于另一个兑换请求。"), code="idempotency_key_reused")
    return found


def _redeem(member, good: PointsGood, store, key: str, digest: str, provider: str) -> Redemption:
    note = _("积分兑换：%(title)s，%(points)s 积分") % {
        "title": good.title,
        "points": good.points_price,
    }
    order = prepaid.place_points_pickup(
        shopper=member,
        store=store,
        sku=good.sku,
        quantity=1,
        note=note,
        cash=good.cash_price,
        payment_provider=provider,
    )
    spend = loyalty.spend_points(
        user=member,
        asset_code=good.asset_code,
        points=good.points_price,
        reason=note,
        idempotency_key=f"pointsmall:redeem:{order.public_id}",
        spent_at_org=good.merchant,
    )
    return Redemption.objects.create(
        good=good,
        member=member,
        store=store,
        order=order,
        points=good.points_price,
        asset_code=good.asset_code,
        spend_posting=spend.public_id,
        expires_at=timezone.now() + timedelta(days=good.voucher_days),
        idempotency_key=key,
        request_fingerprint=digest,
    )


def mark_redeemed(*, order_id: str) -> int:
    """The store handed the goods over (the pickup order completed)."""
    return Redemption.objects.filter(
        order__public_id=order_id, status=Redemption.Status.ISSUED
    ).update(status=Redemption.Status.REDEEMED, closed_at=timezone.now())


def refund_unpaid(*, order_id: str) -> bool:
    """The cash part was never paid and the order was cancelled (its stock already went
    back): the points come back, once."""
    found = (
        Redemption.objects.filter(order__public_id=order_id)
        .select_related("good", "member", "order")
        .first()
    )
    if found is None:
        return False
    with transaction.atomic():
        return _refund(found, timezone.now(), void_order=False)


def expire_vouchers(*, now=None, limit: int = 200) -> int:
    """Housekeeping: a voucher past its date and never collected gives its points (and any
    cash) back and its unit back to the shelf, once (the redemption's conditional UPDATE
    decides; the refunds are keyed on the redemption). One collected meanwhile is marked
    redeemed; one still awaiting its cash is left to the order's own payment deadline."""
    now = now or timezone.now()
    refunded = 0
    due = Redemption.objects.filter(
        status=Redemption.Status.ISSUED,
        expires_at__lte=now,
        order__status__in=(S.PAID, S.READY_FOR_PICKUP, S.COMPLETED),
    )
    for redemption in due.select_related("order", "good", "member")[:limit]:
        try:
            with transaction.atomic():
                if _refund(redemption, now):
                    refunded += 1
        except IllegalTransition:
            mark_redeemed(order_id=redemption.order.public_id)
        except DomainError:
            continue  # e.g. a payment refund refused for now: the next sweep tries again
    return refunded


def _refund(redemption: Redemption, now, *, void_order: bool = True) -> bool:
    if not Redemption.objects.filter(pk=redemption.pk, status=Redemption.Status.ISSUED).update(
        status=Redemption.Status.REFUNDED, closed_at=now
    ):
        return False
    if void_order:
        reason = _("积分兑换凭证过期未核销，积分已退回")
        prepaid.void_points_pickup(order=redemption.order, reason=reason)
    else:
        reason = _("积分兑换订单未付款已取消，积分已退回")
    loyalty.refund_spend(
        posting_id=redemption.spend_posting,
        idempotency_key=f"pointsmall:refund:{redemption.public_id}",
        reason=reason,
    )
    notify(
        user=redemption.member,
        title=_("积分已退回"),
        body=_("「%(title)s」：%(reason)s（%(points)s 积分）。")
        % {"title": redemption.good.title, "reason": reason, "points": redemption.points},
        link="/me/vouchers/",
    )
    return True
