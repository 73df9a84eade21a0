"""Hot paths stay at a constant number of queries however many stores and goods there are."""

from omniretail.conftest import make_store
from omniretail.inventory import services as inventory
from omniretail.supply import routing, selectors
from omniretail.supply.tests.fixtures import NEAR_WEST_LAKE


def _many_stocked_stores(channel, product, n=6):
    sku = product.skus.get()
    for i in range(n):
        store = make_store(channel.clerk, channel.retailer, f"分店{i}", lat=30.259 + i / 1000)
        inventory.receive_stock(
            actor=channel.clerk,
            location=inventory.location_for_store(store),
            sku=sku,
            quantity=5,
        )
    return sku


def test_mall_near_reads_a_constant_number_of_queries(channel, django_assert_max_num_queries):
    product = channel.upload()
    channel.approve(product)
    _many_stocked_stores(channel, product)
    with django_assert_max_num_queries(6):
        items = selectors.mall_near(lat=NEAR_WEST_LAKE[0], lon=NEAR_WEST_LAKE[1])
    assert [i.product for i in items] == [product]


def test_routing_decision_is_two_queries(channel, django_assert_max_num_queries):
    product = channel.upload()
    channel.approve(product)
    sku = _many_stocked_stores(channel, product)
    with django_assert_max_num_queries(2):
        tried = routing.route(lines=[(sku, 2)], lat=NEAR_WEST_LAKE[0], lon=NEAR_WEST_LAKE[1])
    distances = [c.distance_m for c in tried]
    assert len(tried) == 6 and distances == sorted(distances)


def test_routing_falls_back_to_the_next_store_then_the_warehouse(channel):
    product = channel.upload()
    channel.approve(product)
    sku = product.skus.get()
    near = make_store(channel.clerk, channel.retailer, "近店", lat=30.2591, lon=120.1651)
    far = make_store(channel.clerk, channel.retailer, "远店", lat=30.2700, lon=120.1650)
    for store, quantity in ((near, 1), (far, 3)):
        inventory.receive_stock(
            actor=channel.clerk,
            location=inventory.location_for_store(store),
            sku=sku,
            quantity=quantity,
        )
    warehouse = inventory.create_location(
        actor=channel.region_ops, organization=channel.region, kind="warehouse", name="西湖区域仓"
    )
    inventory.receive_stock(actor=channel.region_ops, location=warehouse, sku=sku, quantity=50)
    assert channel.buy(product, quantity=2).store == far  # the nearest has only one
    assert channel.buy(product, quantity=3).location == warehouse  # no store has three now
