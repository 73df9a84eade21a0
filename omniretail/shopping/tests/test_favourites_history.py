"""收藏 and 足迹 as a shopper meets them: the heart on cards and the product page toggles
with htmx, /me/favourites/ lists price and stock; each product page view lands in
/me/history/ once (latest time first), at most 200 kept, and 清空足迹 empties it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from omniretail.inventory.services import receive_stock
from omniretail.shopping import services
from omniretail.shopping.models import Favourite, ProductView

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_heart_favourites_a_product_and_the_list_shows_price_and_stock(
    shopper, sku, sku2, store_location, merchant_staff
):
    receive_stock(actor=merchant_staff, location=store_location, sku=sku2, quantity=3)
    client = logged_in(shopper)
    mask, tea = sku.product, sku2.product

    page = client.get(f"/p/{mask.public_id}/").content.decode()
    assert f'hx-post="/products/{mask.public_id}/favourite/"' in page
    assert 'aria-pressed="false"' in page

    hx = {"HTTP_HX_REQUEST": "true"}
    on = client.post(f"/products/{mask.public_id}/favourite/", **hx)
    assert on.status_code == 200 and 'aria-pressed="true"' in on.content.decode()
    client.post(f"/products/{tea.public_id}/favourite/", **hx)

    listed = client.get("/me/favourites/").content.decode()
    assert "补水保湿面膜10片" in listed and "¥39.90" in listed
    assert "明前西湖龙井250g" in listed and "¥398.00" in listed
    assert listed.count("暂时缺货") == 1 and "有货" in listed  # only the tea is stocked

    home = client.get("/").content.decode()
    assert home.count('aria-pressed="true"') >= 1  # the card's heart is filled too

    off = client.post(f"/products/{mask.public_id}/favourite/", **hx)
    assert 'aria-pressed="false"' in off.content.decode()
    assert list(Favourite.objects.filter(user=shopper).values_list("product", flat=True)) == [
        tea.pk
    ]


def test_a_visitor_gets_a_login_link_not_a_toggle(sku):
    page = Client().get(f"/p/{sku.product.public_id}/").content.decode()
    assert "/login/?next=" in page and "favourite/" not in page
    refused = Client().post(f"/products/{sku.product.public_id}/favourite/")
    assert refused.status_code == 302 and not Favourite.objects.exists()


def test_favouriting_an_unknown_product_is_404_and_writes_nothing(shopper):
    response = logged_in(shopper).post("/products/01NOSUCHPRODUCT000000000000/favourite/")
    assert response.status_code == 404 and not Favourite.objects.exists()


def test_each_view_is_one_row_with_the_latest_time_and_clear_all_empties_it(shopper, sku, sku2):
    client = logged_in(shopper)
    client.get(f"/p/{sku.product.public_id}/")
    client.get(f"/p/{sku2.product.public_id}/")
    client.get(f"/p/{sku.product.public_id}/")
    assert ProductView.objects.filter(user=shopper).count() == 2

    page = client.get("/me/history/").content.decode()
    assert page.index("补水保湿面膜10片") < page.index("明前西湖龙井250g")  # latest first

    cleared = client.post("/me/history/clear/")
    assert cleared.status_code == 302
    assert not ProductView.objects.filter(user=shopper).exists()
    assert "还没有浏览记录" in client.get("/me/history/").content.decode()


def test_a_visitor_leaves_no_history(sku):
    Client().get(f"/p/{sku.product.public_id}/")
    assert not ProductView.objects.exists()


def test_the_history_keeps_the_newest_200(shopper, approved_product):
    products = [approved_product(f"商品{n}", "1.00").product for n in range(201)]
    old = timezone.now() - timedelta(days=1)
    ProductView.objects.bulk_create(
        [
            ProductView(user=shopper, product=p, viewed_at=old + timedelta(seconds=n))
            for n, p in enumerate(products[:200])
        ]
    )
    services.record_view(user=shopper, product=products[200])
    kept = set(ProductView.objects.filter(user=shopper).values_list("product", flat=True))
    assert len(kept) == 200
    assert products[0].pk not in kept and products[200].pk in kept


def test_me_links_to_favourites_history_and_the_coupon_centre(shopper):
    client = logged_in(shopper)
    page = client.get("/me/").content.decode()
    for url in ("/me/favourites/", "/me/history/", "/coupons/center/"):
        assert f'href="{url}"' in page
        assert client.get(url).status_code == 200
