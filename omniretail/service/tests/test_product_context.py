"""A question about a product goes to whoever answers for it, with the product's card in the
conversation: the merchant that sells it; a producer's product (sold through many
merchants' stores) the platform's service."""

import pytest

from omniretail.catalog import services as catalog
from omniretail.service.models import Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchants_product(merchant, merchant_staff, platform_staff):
    category = catalog.create_category(actor=platform_staff, name="茶饮", slug="ctx-tea")
    product = catalog.create_product(
        actor=merchant_staff,
        owner=merchant,
        category=category,
        name="西湖藕粉",
        skus=[{"code": "OUFEN-1", "name": "500g", "price": "36.80"}],
    )
    catalog.submit_product(actor=merchant_staff, product=product)
    catalog.review_product(actor=platform_staff, product=product, approve=True)
    return product


def test_asking_about_a_merchants_product_over_the_api_reaches_the_merchant_with_its_card(
    api_client, shopper, merchant, merchants_product
):
    client = api_client(shopper)
    first = client.post(
        "/api/service/ask", {"text": "保质期多久？", "product": merchants_product.public_id}
    )
    again = client.post(
        "/api/service/ask", {"text": "能寄到滨江吗？", "product": merchants_product.public_id}
    )

    assert first.status_code == 200, first.json()
    body = first.json()
    assert body["organization"] == merchant.public_id
    card, question = body["messages"][:2]
    assert card["product"] == merchants_product.public_id and card["text"] == "西湖藕粉"
    assert question["product"] is None and question["text"] == "保质期多久？"
    assert [m for m in again.json()["messages"] if m["product"]] == []  # no second card
    assert Conversation.objects.get(shopper=shopper).organization == merchant


def test_a_producers_product_is_answered_by_the_platform(api_client, shopper, platform, sku):
    response = api_client(shopper).post(
        "/api/service/ask", {"text": "这款面膜孕妇能用吗？", "product": sku.product.public_id}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["organization"] == platform.public_id
    assert response.json()["messages"][0]["product"] == sku.product.public_id


def test_an_unknown_product_is_a_404_and_opens_no_conversation(api_client, shopper, platform):
    response = api_client(shopper).post(
        "/api/service/ask", {"text": "在吗", "product": "01NOSUCHPRODUCT0000000000"}
    )

    assert response.status_code == 404
    assert not Conversation.objects.exists()
