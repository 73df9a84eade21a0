"""The app's cart shows what checkout will charge: a running 特价 (the cart showed the list
price, then checkout charged less), and with `?store=` that store's promotion too."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.merchandising import promotions
from omniretail.merchandising import services as merchandising
from omniretail.merchandising.models import Promotion

pytestmark = pytest.mark.django_db


def _cart(api_client, commerce, quantity=4):
    client = api_client(commerce.member)
    body = {"sku": commerce.mask_10.public_id, "quantity": quantity}
    assert client.post("/api/orders/cart/items", body).status_code == 200
    return client


def test_the_cart_shows_a_running_special_as_checkout_charges_it(
    api_client, commerce, platform_staff
):
    merchandising.create_special(
        actor=platform_staff,
        sku=commerce.mask_10,
        price="30.00",
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
    )
    client = _cart(api_client, commerce, quantity=2)
    line = client.get("/api/orders/cart").json()["lines"][0]
    assert (line["unit_price"], line["line_total"], line["list_price"]) == (
        "30.00",
        "60.00",
        "39.90",
    )
    assert client.get("/api/orders/cart").json()["subtotal"] == "60.00"


def test_the_cart_for_a_store_takes_its_promotion_and_matches_the_quote(api_client, commerce):
    now = timezone.now()
    promotions.create_promotion(
        actor=commerce.staff,
        store=commerce.near_store,
        title="面膜买三送一",
        kind=Promotion.Kind.BUY_GET,
        buy_n=3,
        get_m=1,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
        products=[commerce.mask],
    )
    client = _cart(api_client, commerce)
    plain = client.get("/api/orders/cart").json()
    assert plain["subtotal"] == "159.60" and plain["lines"][0]["promotion"] == ""

    at_store = client.get("/api/orders/cart", {"store": commerce.near_store.public_id}).json()
    assert at_store["store"] == commerce.near_store.public_id
    assert at_store["subtotal"] == "119.70"
    assert at_store["lines"][0]["promotion"] == "面膜买三送一"
    quote = client.post(
        "/api/orders/checkout/quote",
        {"fulfilment": "pickup", "store": commerce.near_store.public_id},
    ).json()
    assert quote["subtotal"] == at_store["subtotal"]


def test_an_unknown_store_is_a_404(api_client, commerce):
    client = _cart(api_client, commerce, quantity=1)
    answer = client.get("/api/orders/cart", {"store": "01ZZZZZZZZZZZZZZZZZZZZZZZZ"})
    assert answer.status_code == 404
