"""Customer service is one tap away where a shopper has a question: the product, the order,
the store and 我的 link to the assistant (转人工 from there) with the merchant's context,
and the order and store pages to a complaint about them."""

import pytest
from django.test import Client

from omniretail.accounts.models import User
from omniretail.inventory import services as inventory
from omniretail.orders.services import ring_up_sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(db):
    return User.objects.create(username="m13800138000", phone="13800138000")


def _page(user, path: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_the_order_and_store_pages_lead_to_the_merchants_service_and_a_complaint(
    member, merchant, merchant_staff, shop
):
    store = shop.near_store
    sku = shop.mask.skus.order_by("price").first()
    inventory.receive_stock(
        actor=merchant_staff, location=inventory.location_for_store(store), sku=sku, quantity=5
    )
    order = ring_up_sale(staff=merchant_staff, store=store, lines=[(sku, 1)], shopper=member)

    order_page = _page(member, f"/orders/{order.public_id}/")
    store_page = _page(member, f"/stores/{store.public_id}/")
    product_page = _page(member, f"/p/{shop.mask.public_id}/")
    me_page = _page(member, "/me/")

    chat = f"/service/?org={merchant.public_id}"
    assert chat in order_page and chat in store_page
    assert f"/service/complaints/?about=order&amp;target={order.public_id}" in order_page
    assert f"/service/complaints/?about=store&amp;target={store.public_id}" in store_page
    assert 'data-testid="product-service"' in product_page
    assert "/service/complaints/" in me_page
