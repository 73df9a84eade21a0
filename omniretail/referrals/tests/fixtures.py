"""Referral fixtures, imported by this package's conftest and by the page tests: a
stocked store, a sharer and buyers with money in their wallets, and shortcuts for the
steps of a referred sale (share, click, buy, complete, refund, sweep)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.inventory import services as inventory
from omniretail.orders import services as orders
from omniretail.orders.tests.conftest import next_slot
from omniretail.payments import services as payments
from omniretail.payments.models import PaymentIntent
from omniretail.referrals import links, rewards, services


@pytest.fixture(name="referral_settings", autouse=True)
def referral_settings_fixture(settings):
    settings.OMNI_EVENTS_DELIVERY = "inline"
    settings.OMNI_RETURN_WINDOW_DAYS = 7
    settings.OMNI_REFERRAL_SHARE_POINTS = 10


def shopper_named(phone: str, name: str, wallet: str = "5000.00") -> User:
    user = User.objects.create(username=f"m{phone}", phone=phone, display_name=name)
    payments.top_up_wallet(user=user, amount=wallet, idempotency_key=f"fixture-{phone}")
    return user


class Referrals(SimpleNamespace):
    """The steps of a referred sale, each through the services a real request would call."""

    def share(self, user, product=None):
        link, _points = services.share_product(sharer=user, product=product or self.product)
        return links.token_for(link.public_id)

    def click(self, user, token, *, days_ago: float = 0):
        visit = services.record_visit(token=token, visitor=user)
        if days_ago:
            visit.visited_at = timezone.now() - timedelta(days=days_ago)
            visit.save(update_fields=["visited_at"])
        return visit

    def buy(self, user, *, lines=None, complete: bool = True):
        order = orders.checkout(
            shopper=user,
            lines=lines or [(self.sku, 1)],
            fulfilment=orders.resolve_fulfilment(
                kind="pickup", store=self.store, pickup_slot_start=next_slot()
            ),
            payment_provider="balance",
        )
        with self.capture(execute=True):
            payments.start_payment(
                intent=PaymentIntent.objects.get(public_id=order.payment_intent_id)
            )
        order.refresh_from_db()
        if complete:
            self.complete(order)
        return order

    def complete(self, order):
        with self.capture(execute=True):
            orders.confirm_delivery(actor=order.shopper, order=order)
        order.refresh_from_db()
        return order

    def refund(self, order, amount):
        with self.capture(execute=True):
            payments.refund(
                intent=PaymentIntent.objects.get(public_id=order.payment_intent_id),
                amount=amount,
                reason="goodwill",
                idempotency_key=f"test-refund-{order.public_id}-{amount}",
            )
        order.refresh_from_db()
        return order

    def sweep(self, *, days: float = 8):
        """The housekeeping sweep as it would run `days` from now."""
        with self.capture(execute=True):
            return rewards.credit_due_rewards(now=timezone.now() + timedelta(days=days))


@pytest.fixture(name="referrals")
def referrals_fixture(
    store, store_location, sku, sku2, merchant, merchant_staff, django_capture_on_commit_callbacks
):
    for item in (sku, sku2):
        inventory.receive_stock(
            actor=merchant_staff, location=store_location, sku=item, quantity=500
        )
    return Referrals(
        store=store,
        merchant=merchant,
        staff=merchant_staff,
        sku=sku,
        sku2=sku2,
        product=sku.product,
        capture=django_capture_on_commit_callbacks,
        sharer=shopper_named("13900000001", "分享人甲"),
        buyer=shopper_named("13900000002", "买家乙"),
        other=shopper_named("13900000003", "分享人丙"),
    )


def make_reseller(referrals, user=None):
    """`user` (the sharer by default) becomes a reseller: the merchant needs one referred
    buyer, the buyer buys through the user's link, the return window passes."""
    from omniretail.referrals.models import Reseller

    services.configure_programme(
        staff=referrals.staff, merchant=referrals.merchant, reseller_threshold=1
    )
    user = user or referrals.sharer
    buyer = shopper_named(f"1370000{User.objects.count():04d}", "引荐买家")
    referrals.click(buyer, referrals.share(user))
    referrals.buy(buyer)
    referrals.sweep()
    return Reseller.objects.get(user=user, merchant=referrals.merchant)


def earn_commission(referrals, reseller, *, quantity=5, sweep_days=8):
    """A referred sale of `quantity` × ¥398.00 through the reseller's link, completed and
    past the return window (so its commission is credited, and frozen)."""
    token = referrals.share(reseller.user, referrals.sku2.product)
    referrals.click(referrals.buyer, token)
    order = referrals.buy(referrals.buyer, lines=[(referrals.sku2, quantity)])
    referrals.sweep(days=sweep_days)
    return order
