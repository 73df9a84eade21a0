"""立即购买 preselects a store that has the goods, the nearest to where the shopper is (the
browser's position when they allowed it, else the city centre), so 提交订单 does not fail
on an empty shelf."""

import re

import pytest

from omniretail.inventory import services as inventory

pytestmark = pytest.mark.django_db


def chosen_store(body: str) -> str:
    return re.search(r'<option value="(\w+)" selected>', body).group(1)


def buy_now(client, sku, **position):
    response = client.post(
        "/cart/add/", {"sku": sku.public_id, "quantity": "1", "action": "buy_now", **position}
    )
    assert response.status_code == 302
    return response["Location"]


def test_buy_now_of_a_sku_stocked_in_one_store_preselects_that_store(client, commerce):
    """From the city centre the 武林店 is nearer, but only the 湖滨店 has the mask."""
    client.force_login(commerce.member)
    body = client.get(buy_now(client, commerce.mask_10)).content.decode()
    assert chosen_store(body) == commerce.near_store.public_id
    assert "（库存不足）" in body  # the empty store is still listed, marked


def test_buy_now_takes_the_store_nearest_to_the_browsers_position(client, commerce, merchant_staff):
    far = inventory.location_for_store(commerce.far_store)
    inventory.receive_stock(actor=merchant_staff, location=far, sku=commerce.mask_10, quantity=5)
    client.force_login(commerce.member)

    by_the_lake = buy_now(client, commerce.mask_10, lat="30.2595", lon="120.1642")
    assert "lat=30.2595" in by_the_lake and "lon=120.1642" in by_the_lake
    assert chosen_store(client.get(by_the_lake).content.decode()) == commerce.near_store.public_id

    no_position = buy_now(client, commerce.mask_10)  # the city centre: 武林店 is nearer
    assert chosen_store(client.get(no_position).content.decode()) == commerce.far_store.public_id
