"""Public checkout takes stock only where the shopper's choice says: the chosen store's own
location. A counter's bay goes through the counter's purchase flow, a store-less delivery
only where the router sends it; a location the client names is never trusted."""

import pytest

from omniretail.inventory import services as inventory
from omniretail.orders import services
from omniretail.orders.models import Order
from omniretail.orders.tests.test_api import ADDRESS, error_fields, pickup_body, world

pytestmark = pytest.mark.django_db


@pytest.fixture
def counter_location(merchant, merchant_staff, sku):
    location = inventory.create_location(
        actor=merchant_staff, organization=merchant, kind="counter", name="湖滨智能柜"
    )
    inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=10)
    return location


@pytest.fixture
def warehouse(merchant, merchant_staff, sku):
    location = inventory.create_location(
        actor=merchant_staff, organization=merchant, kind="warehouse", name="城东区域仓"
    )
    inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=10)
    return location


def delivery_body(sku, **extra):
    body = {
        "fulfilment": "delivery",
        "delivery_address": ADDRESS,
        "payment_provider": "balance",
        "lines": [{"sku": sku.public_id, "quantity": 1}],
    }
    body.update(extra)
    return body


@pytest.mark.parametrize("where", ["counter_location", "warehouse"])
def test_a_delivery_cannot_name_the_location_it_ships_from(
    api_client, shopper, sku, where, request
):
    """Not a counter's bay (with no store at all), nor the warehouse: routing chooses."""
    location = request.getfixturevalue(where)
    before = world()
    resp = api_client(shopper).post(
        "/api/orders/checkout", delivery_body(sku, location=location.public_id)
    )
    assert resp.status_code == 422, resp.content
    assert "location" in error_fields(resp)
    assert world() == before


def test_counter_fulfilment_is_not_offered_by_public_checkout(
    api_client, shopper, sku, counter_location
):
    before = world()
    resp = api_client(shopper).post(
        "/api/orders/checkout",
        delivery_body(sku, fulfilment="counter", location=counter_location.public_id),
    )
    assert resp.status_code == 422, resp.content
    assert "fulfilment" in error_fields(resp)
    assert world() == before


@pytest.mark.parametrize("held_there", [5, 0])
def test_a_pickup_cannot_take_stock_from_another_location_than_its_store(
    api_client, shopper, store, sku, stocked, other_store_location, merchant_staff, held_there
):
    """The same 422 whether or not that location holds the goods: its stock is not told."""
    if held_there:
        inventory.receive_stock(
            actor=merchant_staff, location=other_store_location, sku=sku, quantity=held_there
        )
    before = world()
    resp = api_client(shopper).post(
        "/api/orders/checkout",
        pickup_body(store, lines=[(sku, 1)], location=other_store_location.public_id),
    )
    assert resp.status_code == 422, resp.content
    assert "location" in error_fields(resp)
    assert world() == before


def test_naming_the_stores_own_location_still_checks_out(api_client, shopper, store, sku, stocked):
    resp = api_client(shopper).post(
        "/api/orders/checkout", pickup_body(store, lines=[(sku, 1)], location=stocked.public_id)
    )
    assert resp.status_code == 201, resp.content
    assert Order.objects.get(public_id=resp.json()["id"]).location == stocked


@pytest.mark.parametrize("held_there", [10, 0])
def test_the_service_refuses_a_hand_built_fulfilment_at_a_foreign_location(
    shopper, store, sku, stocked, counter_location, held_there
):
    """The rule lives in checkout itself, not only in the API's parsing, and comes before
    any look at that location's stock."""
    if not held_there:
        counter_location.levels.update(on_hand=0)
    fulfilment = services.Fulfilment(
        kind=Order.Fulfilment.DELIVERY, location=counter_location, store=None, address=ADDRESS
    )
    with pytest.raises(services.ValidationFailed) as refused:
        services.checkout(
            shopper=shopper, lines=[(sku, 1)], fulfilment=fulfilment, payment_provider="balance"
        )
    assert "location" in refused.value.fields
    pickup_elsewhere = services.Fulfilment(
        kind=Order.Fulfilment.PICKUP, location=counter_location, store=store
    )
    with pytest.raises(services.ValidationFailed) as refused:
        services.checkout(
            shopper=shopper,
            lines=[(sku, 1)],
            fulfilment=pickup_elsewhere,
            payment_provider="balance",
        )
    assert "location" in refused.value.fields
    assert not Order.objects.exists()


def test_the_counter_and_the_router_still_sell_from_their_own_locations(
    shopper, sku, counter_location, warehouse
):
    at_counter = services.checkout(
        shopper=shopper,
        lines=[(sku, 1)],
        fulfilment=services.counter_fulfilment(location=counter_location),
        payment_provider="balance",
    )
    assert (at_counter.location, at_counter.fulfilment) == (counter_location, "counter")
    routed = services.checkout(
        shopper=shopper,
        lines=[(sku, 1)],
        fulfilment=services.routed_fulfilment(location=warehouse, delivery_address=ADDRESS),
        payment_provider="balance",
    )
    assert (routed.location, routed.fulfilment, routed.store) == (warehouse, "delivery", None)
