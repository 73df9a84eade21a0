"""Group-buy fixtures, imported by this package's conftest and by the page tests: a stocked
store, a campaign on it, shoppers with money in their wallets, and the steps of a join."""

import secrets
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.groupbuy import services
from omniretail.inventory import services as inventory
from omniretail.payments import services as payments

# what a joining client sends as its own contribution to the draw (`client_value`)
CLIENT_VALUE = secrets.token_hex(32)


def shopper_named(phone: str, name: str = "", wallet: str = "1000.00") -> User:
    user = User.objects.create(username=f"m{phone}", phone=phone, display_name=name or phone)
    payments.top_up_wallet(user=user, amount=wallet, idempotency_key=f"gb-fixture-{phone}")
    return user


class GroupBuys(SimpleNamespace):
    def campaign(self, **overrides):
        now = timezone.now()
        data = {
            "title": "面膜拼团",
            "description": "3 人成团，1 人中签",
            "quantity": 10,
            "group_price": "19.90",
            "group_size": 3,
            "winners_per_group": 1,
            "starts_at": now - timedelta(minutes=1),
            "ends_at": now + timedelta(days=3),
            "navigation_address": "杭州市上城区湖滨路 18 号",
            "phone": "0571-88001188",
            "consolation_points": 50,
            "unfilled_points": 5,
        }
        data.update(overrides)
        return services.publish_campaign(actor=self.staff, store=self.store, sku=self.sku, **data)

    def join(self, user, campaign, *, pay=True, group=None):
        with self.capture(execute=True):
            member = services.join(shopper=user, campaign=campaign, provider="balance", group=group)
        if pay:
            with self.capture(execute=True):
                services.start_payment(member=member)
            member.refresh_from_db()
        return member

    def shopper(self, n: int, **kw) -> User:
        return shopper_named(f"1377777{n:04d}", f"团员{n}", **kw)


@pytest.fixture(name="groupbuys")
def groupbuys_fixture(
    store,
    store_location,
    sku,
    merchant,
    merchant_staff,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.OMNI_EVENTS_DELIVERY = "inline"
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=sku, quantity=200)
    return GroupBuys(
        store=store,
        location=store_location,
        merchant=merchant,
        staff=merchant_staff,
        sku=sku,
        capture=django_capture_on_commit_callbacks,
    )
