"""A counter at the mall next to the serving store, two bays stocked from the store by a
transfer, a live device credential, and a member with money in the wallet."""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.counters import services
from omniretail.counters.models import Bay, Counter
from omniretail.counters.services import command_key
from omniretail.inventory import services as inventory
from omniretail.payments import services as payments


@pytest.fixture
def counter_setup(settings, merchant_staff, store, store_location, sku, sku2):
    settings.OMNI_EVENTS_DELIVERY = "inline"
    counter = services.register_counter(
        actor=merchant_staff,
        store=store,
        code="HZ-001",
        name="湖滨银泰柜",
        site_name="湖滨银泰 in77",
        address="杭州市上城区延安路258号",
        lat=30.2590,
        lon=120.1650,
        content={"headline": "电动车自助购", "videos": ["https://example.com/v.mp4"]},
    )
    services.add_bay(
        actor=merchant_staff, counter=counter, number="1", sku=sku, par_level=2, capacity=5
    )
    services.add_bay(
        actor=merchant_staff, counter=counter, number="2", sku=sku2, par_level=1, capacity=3
    )
    for item in (sku, sku2):
        inventory.receive_stock(
            actor=merchant_staff, location=store_location, sku=item, quantity=20
        )
    services.restock(
        actor=merchant_staff,
        counter=counter,
        lines=[{"bay": "1", "quantity": 4}, {"bay": "2", "quantity": 2}],
    )
    credential, token = services.issue_credential(actor=merchant_staff, counter=counter)
    member = User.objects.create(username="m13700000009", phone="13700000009")
    payments.top_up_wallet(user=member, amount="2000.00", idempotency_key="counters-fixture")
    return SimpleNamespace(
        counter=counter,
        staff=merchant_staff,
        store=store,
        sku=sku,
        sku2=sku2,
        token=token,
        key=command_key(credential.key_id).hex(),
        member=member,
        device_headers={"Authorization": f"Counter {token}"},
    )


@pytest.fixture
def ride_setup(counter_setup):
    Bay.objects.filter(counter=counter_setup.counter, number="1").update(test_ride=True)
    Counter.objects.filter(pk=counter_setup.counter.pk).update(
        status=Counter.Status.ONLINE, last_seen_at=timezone.now()
    )
    counter_setup.url = f"/counter/HZ-001/test-ride/{counter_setup.sku.product.public_id}/"
    shopper = Client()
    shopper.force_login(counter_setup.member)
    counter_setup.shopper = shopper
    return counter_setup
