"""Demo data for group buys: a running campaign at 湖滨优选 (5 per group, 1 winner each), its
first group formed, drawn and settled (a voucher to collect, refunds and consolation points
for the others, a public proof), its second group filling up. Built through the services,
paid from the members' wallets as a shopper would."""

from datetime import timedelta

from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.core.events import deliver_pending
from omniretail.groupbuy import services, settlement
from omniretail.groupbuy.models import Group
from omniretail.inventory import services as inventory
from omniretail.payments import services as payments

MERCHANT = "hubin"
MEMBERS = [(f"138000000{n}", f"团友{n}") for n in range(41, 48)]


def _member(phone: str, name: str) -> User:
    user, _created = User.objects.get_or_create(
        phone=phone, defaults={"username": f"m{phone}", "display_name": name}
    )
    payments.top_up_wallet(user=user, amount="500.00", idempotency_key=f"demo-groupbuy-{phone}")
    return user


def _settle() -> None:
    """The demo runs in one transaction, so events and after-commit work wait for it: run
    them now, as the worker's sweeps would."""
    while deliver_pending(fresh=True):
        pass
    settlement.finish_formed_groups()
    while deliver_pending(fresh=True):
        pass


def load(city) -> list[str]:
    merchant, owner = city.merchants[MERCHANT]
    store = merchant.stores.filter(is_active=True).order_by("pk").first()
    product = min(city.products, key=lambda p: p.price, default=None)
    if store is None or product is None:
        return []
    sku = product.skus.filter(is_active=True).order_by("price").first()
    inventory.receive_stock(
        actor=owner, location=inventory.location_for_store(store), sku=sku, quantity=20
    )
    now = timezone.now()
    campaign = services.publish_campaign(
        actor=owner,
        store=store,
        sku=sku,
        title=f"{product.name} · 5 人拼团",
        description="5 人成团，公开抽签 1 人中签；未中签全额原路退款并送 50 积分。",
        quantity=3,
        group_price=(sku.price / 2).quantize(sku.price),
        group_size=5,
        winners_per_group=1,
        starts_at=now - timedelta(hours=2),
        ends_at=now + timedelta(days=5),
        navigation_address=store.address,
        phone=store.phone or "0571-88001188",
        consolation_points=50,
        unfilled_points=10,
    )
    for phone, name in MEMBERS:
        member = services.join(shopper=_member(phone, name), campaign=campaign, provider="balance")
        services.start_payment(member=member)
    _settle()
    first = Group.objects.get(campaign=campaign, number=1)
    return [
        f"Group buy: /groupbuy/{campaign.public_id}/ at {merchant.name}; group 1 formed and "
        f"drawn, proof /groupbuy/groups/{first.public_id}/proof/ "
        f"(omniretail verify-draw {first.public_id}); members {MEMBERS[0][0]}..{MEMBERS[-1][0]}; "
        f"console /merchant/groupbuy/{campaign.public_id}/",
    ]
