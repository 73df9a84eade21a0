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


def test_the_product_pages_service_goes_to_the_merchant_who_sells_it_with_the_product_card(
    member, merchant, merchant_staff, shop
):
    """问客服 on a merchant's product opens that merchant's service, not the platform's
    assistant, and the product (name, picture, price) travels into the conversation, where
    the merchant's agent sees it too."""
    from omniretail.service.models import Conversation
    from omniretail.web.tests.factories import publish

    lotus = publish(
        shop.ops,
        merchant_staff,
        merchant,
        category=shop.tea,
        name="西湖藕粉",
        skus=[{"code": "OUFEN-1", "name": "500g", "price": "36.80"}],
    )
    chat = f"/service/?product={lotus.public_id}"
    assert chat in _page(member, f"/p/{lotus.public_id}/")

    page = _page(member, chat)
    assert "湖滨便利 客服" in page
    assert 'data-testid="product-card"' in page and "西湖藕粉" in page and "¥36.80" in page

    client = Client()
    client.force_login(member)
    response = client.post(
        "/service/ask/", {"product": lotus.public_id, "text": "这个藕粉保质期多久？"}
    )
    assert response.status_code == 302
    conversation = Conversation.objects.get(shopper=member)
    assert conversation.organization == merchant
    lines = list(conversation.messages.order_by("id"))
    assert lines[0].product == lotus and lines[1].text == "这个藕粉保质期多久？"

    # asking again about the same product does not repeat the card
    client.post("/service/ask/", {"product": lotus.public_id, "text": "能寄到滨江吗？"})
    assert conversation.messages.exclude(product=None).count() == 1

    transcript = _page(member, chat)
    assert 'data-testid="line-product"' in transcript and "西湖藕粉" in transcript
    agent_page = _page(merchant_staff, f"/merchant/service/c/{conversation.public_id}/")
    assert 'data-testid="agent-line-product"' in agent_page and "¥36.80" in agent_page


def test_a_product_unknown_or_off_the_shelf_is_a_404_not_the_platforms_chat(member, shop):
    client = Client()
    client.force_login(member)
    assert client.get("/service/?product=01NOSUCHPRODUCT0000000000").status_code == 404
