"""门店促销 pages: a manager creates a promotion with a banner in the console and ends it; while
it runs the store page and the nearby list show a 促销 badge with its title and its theme
page opens; before and after, none of them does."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from omniretail.inventory import services as inventory
from omniretail.merchandising import promotions
from omniretail.merchandising.models import Promotion

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (960, 320), (200, 30, 40)).save(buffer, "PNG")
    return SimpleUploadedFile("双十二.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def shelf(store, merchant_staff, sku):
    location = inventory.location_for_store(store)
    inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=10)
    return sku


def when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_manager_creates_a_promotion_with_a_banner_and_ends_it(merchant_staff, store, shelf):
    client = client_for(merchant_staff)
    page = client.get(reverse("web:m_promotions"))
    assert shelf.product.name in page.content.decode()
    now = timezone.now()
    response = client.post(
        reverse("web:m_promotions"),
        {
            "title": "面膜买三赠一",
            "kind": "buy_get",
            "buy_n": "3",
            "get_m": "1",
            "products": [shelf.product.public_id],
            "starts_at": when(now - timedelta(hours=1)),
            "ends_at": when(now + timedelta(days=1)),
            "theme": "双十二店庆，全场面膜买三赠一。",
            "image": png(),
        },
    )
    assert response.status_code == 302
    promotion = Promotion.objects.get()
    assert (promotion.buy_n, promotion.get_m, promotion.image_width) == (3, 1, 960)
    theme = Client().get(
        reverse("web:store_promotion", args=[store.public_id, promotion.public_id])
    )
    body = theme.content.decode()
    assert "双十二店庆，全场面膜买三赠一。" in body and "买 3 赠 1" in body
    assert shelf.product.name in body and 'data-testid="promotion-banner"' in body
    client.post(reverse("web:m_promotion_end", args=[promotion.public_id]))
    after = Client().get(
        reverse("web:store_promotion", args=[store.public_id, promotion.public_id])
    )
    assert after.status_code == 404


def test_bad_input_is_refused_with_field_errors_and_nothing_written(merchant_staff, shelf):
    response = client_for(merchant_staff).post(
        reverse("web:m_promotions"),
        {"title": "", "kind": "percent_off", "percent": "100", "starts_at": "", "ends_at": ""},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "折扣须为 1 到 99 之间的整数" in body and "请填写开始时间。" in body
    assert not Promotion.objects.exists()


def test_a_running_promotion_shows_badges_on_the_store_page_and_nearby_list(
    merchant_staff, store, other_store, shelf
):
    now = timezone.now()
    promotions.create_promotion(
        actor=merchant_staff,
        store=store,
        title="冬日暖心八折",
        kind=Promotion.Kind.PERCENT_OFF,
        percent=20,
        products=[shelf.product],
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    promotions.create_promotion(
        actor=merchant_staff,
        store=other_store,
        title="明日预告",
        kind=Promotion.Kind.PERCENT_OFF,
        percent=10,
        products=[shelf.product],
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=2),
    )
    page = Client().get(reverse("web:store", args=[store.public_id])).content.decode()
    assert 'data-testid="store-promotion"' in page and "冬日暖心八折" in page
    assert "立减 20%" in page
    other = Client().get(reverse("web:store", args=[other_store.public_id])).content.decode()
    assert "store-promotion" not in other and "明日预告" not in other
    nearby = (
        Client()
        .get(
            "/nearby/results/",
            {"lat": store.lat, "lon": store.lon},
            headers={"HX-Request": "true"},
        )
        .content.decode()
    )
    assert nearby.count('data-testid="promo-badge"') == 1
    assert "冬日暖心八折" in nearby and "明日预告" not in nearby


def test_a_category_theme_page_lists_the_goods_this_store_has(merchant_staff, store, shelf, sku2):
    now = timezone.now()
    promotion = promotions.create_promotion(
        actor=merchant_staff,
        store=store,
        title="美妆节",
        kind=Promotion.Kind.AMOUNT_OFF,
        amount="5",
        category=shelf.product.category,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    page = Client().get(reverse("web:store_promotion", args=[store.public_id, promotion.public_id]))
    body = page.content.decode()
    assert shelf.product.name in body and "每件立减 ¥5.00" in body
    assert sku2.product.name not in body  # same category, not on this store's shelf
