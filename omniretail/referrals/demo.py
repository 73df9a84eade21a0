"""Demo data for share links and rebates, told as three weeks in 湖滨优选's life: a member
who shares a product and earned rebates from friends' purchases (one still pending), and a
member who became a reseller (her own purchase refunded), earns tiered commission, and has
a payout waiting for the merchant's review. Built through the services; the orders' clock
is set back so the return window and the freeze have passed as they would have."""

from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.core.events import deliver_pending
from omniretail.inventory import services as inventory
from omniretail.orders import services as orders
from omniretail.orders.models import Order
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.referrals import links, payouts, rewards, services
from omniretail.referrals.models import Attribution, Reseller

MERCHANT = "hubin"
GIFT_PRICE_CAP = Decimal("400.00")
ADDRESS = {"name": "王女士", "phone": "13800000021", "address": "杭州市上城区延安路 98 号"}
FRIENDS = [(f"138000000{n}", name) for n, name in ((21, "小陈"), (22, "小吴"), (23, "小郑"))]
FRIENDS += [(f"138000000{n}", f"会员{n}") for n in range(24, 30)]


def _member(phone: str, name: str) -> User:
    user, _created = User.objects.get_or_create(
        phone=phone, defaults={"username": f"m{phone}", "display_name": name}
    )
    payments.top_up_wallet(user=user, amount="3000.00", idempotency_key=f"demo-referrals-{phone}")
    return user


def _deliver_events() -> None:
    """The demo runs in one transaction, so events wait for its commit: deliver them now,
    including the ones their handlers publish (payment -> order paid -> attribution)."""
    while deliver_pending(fresh=True):
        pass


class _Story:
    def __init__(self, store, owner):
        self.store, self.owner = store, owner
        self.location = inventory.location_for_store(store)

    def stock(self, product) -> object:
        sku = product.skus.filter(is_active=True).order_by("price").first()
        inventory.receive_stock(actor=self.owner, location=self.location, sku=sku, quantity=200)
        return sku

    def visit(self, buyer, sharer, product) -> None:
        link, _points = services.share_product(sharer=sharer, product=product)
        services.record_visit(token=links.token_for(link.public_id), visitor=buyer)

    def buy(self, buyer, sku, quantity: int = 1, *, days_ago: int | None = None) -> Order:
        """A delivery order paid from the wallet and, when `days_ago` is given, received
        that many days ago."""
        order = orders.checkout(
            shopper=buyer,
            lines=[(sku, quantity)],
            fulfilment=orders.resolve_fulfilment(
                kind="delivery", store=self.store, delivery_address=ADDRESS
            ),
            payment_provider="balance",
        )
        payments.start_payment(intent=PaymentIntent.objects.get(public_id=order.payment_intent_id))
        _deliver_events()
        order.refresh_from_db()
        if days_ago is not None:
            orders.confirm_delivery(actor=buyer, order=order)
            when = timezone.now() - timedelta(days=days_ago)
            Order.objects.filter(pk=order.pk).update(
                created_at=when - timedelta(days=2), paid_at=when - timedelta(days=2)
            )
            Order.objects.filter(pk=order.pk).update(completed_at=when)
            Attribution.objects.filter(order=order).update(created_at=when - timedelta(days=2))
        _deliver_events()
        return order


def load(city) -> list[str]:
    merchant, owner = city.merchants[MERCHANT]
    store = merchant.stores.filter(is_active=True).order_by("pk").first()
    if store is None or len(city.shoppers) < 2:
        return []
    story = _Story(store, owner)
    products = sorted(
        (p for p in city.products if p.price <= GIFT_PRICE_CAP), key=lambda p: p.price
    )
    everyday, premium = products[len(products) // 3], products[-1]
    daily, gift = story.stock(everyday), story.stock(premium)
    services.configure_programme(staff=owner, merchant=merchant, reseller_threshold=3)
    services.set_product_rate(staff=owner, merchant=merchant, product=premium, rate="0.05")
    sharer, reseller_user = city.shoppers[0], city.shoppers[1]
    payments.top_up_wallet(user=reseller_user, amount="3000.00", idempotency_key="demo-own")
    friends = [_member(phone, name) for phone, name in FRIENDS]

    # 1. A sharer: two friends bought through her link weeks ago, one more is on the way.
    for friend in friends[:2]:
        story.visit(friend, sharer, everyday)
        story.buy(friend, daily, 2, days_ago=20)
    story.visit(friends[2], sharer, everyday)
    story.buy(friends[2], daily)

    # 2. A reseller: her own purchase, then three friends bought through her link.
    story.buy(reseller_user, gift, days_ago=21)
    for friend in friends[3:6]:
        story.visit(friend, reseller_user, premium)
        story.buy(friend, gift, days_ago=20)
    rewards.credit_due_rewards(now=timezone.now() - timedelta(days=12))
    _deliver_events()
    # ... since when her referred sales earn commission: some frozen, some withdrawable.
    for index, friend in enumerate(friends[6:]):
        story.visit(friend, reseller_user, premium)
        story.buy(friend, gift, 2, days_ago=17 if index < 2 else 9)
    rewards.credit_due_rewards(now=timezone.now() - timedelta(days=9))
    rewards.credit_due_rewards()
    payouts.release_frozen_commissions()
    _deliver_events()
    lines = [f"Referrals: {sharer.phone} earned share rebates at {merchant.name} (/me/referrals/)."]
    reseller = Reseller.objects.filter(user=reseller_user, merchant=merchant).first()
    if reseller is not None:
        withdrawable = payouts.balances(reseller)["withdrawable"]
        amount = min(Decimal("100.00"), withdrawable).quantize(Decimal("1"), rounding=ROUND_DOWN)
        pending = ""
        if amount >= rewards.programme_of(merchant).payout_minimum:
            payouts.request_payout(user=reseller_user, reseller=reseller, amount=amount)
            pending = (
                f" and a ¥{amount} payout for {MERCHANT}-owner to review (/merchant/referrals/)"
            )
        lines.append(f"  {reseller_user.phone} is a reseller with commission{pending}.")
    return lines
