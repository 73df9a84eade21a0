"""猜你喜欢: co-purchase first (what others bought with what the member bought), then the
member's categories, then the sales ranking, which is all a visitor not signed in gets; the
scheduled job rewrites the same pairs however often it runs."""

import pytest

from omniretail.accounts.models import User
from omniretail.core.scheduler import periodic_jobs
from omniretail.inventory import services as inventory
from omniretail.merchandising import ranking, recommendations
from omniretail.merchandising.models import CoPurchase

pytestmark = pytest.mark.django_db


@pytest.fixture
def flask(approved_product, stocked, merchant_staff):
    sku = approved_product("保温杯 500ml", "59.00")
    inventory.receive_stock(actor=merchant_staff, location=stocked, sku=sku, quantity=50)
    return sku


@pytest.fixture
def history(place_order, pay, shopper, sku, sku2, flask):
    """The member bought the mask (A). Two others bought the mask with the tea (A+B); one
    bought the mask with the flask, and the flask alone sells best of all."""

    def member(n):
        return User.objects.create(username=f"m1390000000{n}", phone=f"1390000000{n}")

    pay(place_order(lines=[(sku, 1)]))
    for n in (1, 2):
        pay(place_order(lines=[(sku, 1), (sku2, 1)], who=member(n)))
    pay(place_order(lines=[(sku, 1), (flask, 1)], who=member(3)))
    pay(place_order(lines=[(flask, 9)], who=member(4)))
    assert recommendations.refresh() > 0
    ranking.refresh()


def test_a_member_who_bought_a_sees_what_others_bought_with_a_first(
    history, shopper, sku, sku2, flask
):
    bought = recommendations.bought_by(shopper)
    assert bought == [sku.product_id]
    guessed = recommendations.guess(bought=bought)
    assert guessed[:2] == [sku2.product, flask.product]
    assert sku.product not in guessed  # already bought


def test_a_visitor_not_signed_in_gets_the_sales_ranking(history, sku, sku2, flask):
    assert recommendations.guess()[:3] == [flask.product, sku.product, sku2.product]


def test_a_product_page_guesses_what_was_bought_with_that_product(history, sku, sku2, flask):
    assert recommendations.guess(product=flask.product)[0] == sku.product


def test_the_job_is_scheduled_and_rewrites_the_same_pairs(history, sku, sku2):
    assert "omniretail.merchandising.recommendations.refresh" in periodic_jobs()
    first = set(CoPurchase.objects.values_list("product", "other", "orders"))
    recommendations.refresh()
    assert set(CoPurchase.objects.values_list("product", "other", "orders")) == first
    assert (sku.product_id, sku2.product_id, 2) in first
    assert (sku2.product_id, sku.product_id, 2) in first


def test_the_home_and_product_pages_show_the_guesses(client, history, shopper, sku, sku2):
    client.force_login(shopper)
    home = client.get("/").content.decode().split('data-testid="home-guesses"')[1]
    assert home.index(sku2.product.name) < home.index("保温杯")
    page = client.get(f"/p/{sku2.product.public_id}/").content.decode()
    assert f'hx-get="/p/{sku2.product.public_id}/guesses/" hx-trigger="revealed"' in page
    guesses = client.get(f"/p/{sku2.product.public_id}/guesses/").content.decode()
    assert "保温杯" in guesses and sku.product.name not in guesses  # bought already
