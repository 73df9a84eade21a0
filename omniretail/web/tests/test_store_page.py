"""The public store page (/stores/<id>/) and the merchant's reply under a review, as a shopper and
the merchant's staff see them."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.inventory import services as inventory
from omniretail.orders.services import ring_up_sale
from omniretail.reviews import services as reviews
from omniretail.reviews.models import ProductReview
from omniretail.stores import services as stores

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reviewed(shop, merchant_staff):
    """A member bought both masks at the near store's till and reviewed them 5 and 2."""
    location = inventory.location_for_store(shop.near_store)
    mask_10, mask_20 = shop.mask.skus.order_by("price")
    for sku in (mask_10, mask_20):
        inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=10)
    member = User.objects.create(username="m13800138000", phone="13800138000")
    order = ring_up_sale(
        staff=merchant_staff,
        store=shop.near_store,
        lines=[(mask_10, 1), (mask_20, 1)],
        shopper=member,
    )
    shop.good = reviews.write_review(
        shopper=member, order_id=order.public_id, sku_id=mask_10.public_id, rating=5, text="很好"
    )
    shop.bad = reviews.write_review(
        shopper=member, order_id=order.public_id, sku_id=mask_20.public_id, rating=2, text="太油"
    )
    return shop


def test_store_page_shows_hours_navigation_phone_rating_goods_and_reviews(reviewed, merchant_staff):
    store = reviewed.near_store
    stores.set_exception(
        actor=merchant_staff,
        store=store,
        date=timezone.localdate() + timedelta(days=3),
        is_closed=True,
        note="盘点",
    )
    response = Client().get(reverse("web:store", args=[store.public_id]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "湖滨便利 · 湖滨店" in page
    assert "营业中" in page and "全天" in page and "盘点" in page
    assert 'href="tel:0571-88001188"' in page
    assert "3.5 分 · 2 条评价" in page
    assert "玻尿酸补水面膜 · 10 片装" in page  # 9 left on the shelf
    assert "太油" in page

    links = {name: response.context["maps"][name] for name in ("amap", "baidu_app", "apple")}
    amap = parse_qs(urlsplit(links["amap"]).query)
    assert links["amap"].startswith("https://uri.amap.com/marker?")
    assert amap["position"] == ["120.164,30.259"] and amap["name"] == ["湖滨便利 · 湖滨店"]
    assert links["baidu_app"].startswith("baidumap://map/marker?")
    assert parse_qs(urlsplit(links["apple"]).query)["ll"] == ["30.259,120.164"]
    assert links["amap"].replace("&", "&amp;") in page


def test_store_page_of_a_closed_down_or_unknown_store_is_not_found(shop, merchant_staff):
    stores.update_store(actor=merchant_staff, store=shop.far_store, is_active=False)
    assert Client().get(reverse("web:store", args=[shop.far_store.public_id])).status_code == 404
    assert Client().get(reverse("web:store", args=["nope"])).status_code == 404


def test_nearby_list_links_each_store_to_its_page(shop):
    lat, lon = shop.near_point
    page = Client().get(reverse("web:nearby_results"), {"lat": lat, "lon": lon}).content.decode()
    assert reverse("web:store", args=[shop.near_store.public_id]) in page


def test_merchant_reply_shows_under_the_review_on_product_and_store_pages(reviewed, merchant_staff):
    staff = client_for(merchant_staff)
    url = reverse("web:m_review_reply", args=[reviewed.bad.public_id])
    assert staff.post(url, {"reply": "抱歉，已调整配方。"}).status_code == 302

    second = staff.post(url, {"reply": "再补充一句"})
    assert second.status_code == 409
    assert staff.post(url, {"reply": "抱歉，新配方更清爽。", "edit": "1"}).status_code == 302

    for page in (
        reverse("web:product", args=[reviewed.mask.public_id]),
        reverse("web:store", args=[reviewed.near_store.public_id]),
    ):
        body = Client().get(page).content.decode()
        assert "商家回复：" in body and "抱歉，新配方更清爽。" in body
    assert "再补充一句" not in ProductReview.objects.get(pk=reviewed.bad.pk).reply


def test_another_merchants_staff_cannot_reply(reviewed, other_merchant_staff, other_merchant):
    from omniretail.conftest import make_store

    make_store(other_merchant_staff, other_merchant, "西溪店")
    url = reverse("web:m_review_reply", args=[reviewed.bad.public_id])
    response = client_for(other_merchant_staff).post(url, {"reply": "来看看我们店"})
    assert response.status_code == 404
    assert ProductReview.objects.get(pk=reviewed.bad.pk).replied_at is None


def test_order_page_links_its_store(reviewed):
    order = reviewed.bad.order_line.order
    page = client_for(order.shopper).get(reverse("web:order", args=[order.public_id]))
    assert reverse("web:store", args=[reviewed.near_store.public_id]) in page.content.decode()
