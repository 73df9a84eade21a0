"""Merchandising as the shopper sees it: a special shows its price, the list price struck
through and a countdown on the card and the product page while it runs, and nothing once it
has ended; the 特价 and 免费试用 labels appear only where they are true."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.merchandising import services as merchandising

pytestmark = pytest.mark.django_db


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def put_on_special(shop, *, minutes_left=90, started=30):
    now = timezone.now()
    return merchandising.create_special(
        actor=shop.ops,
        sku=shop.mask.skus.get(code="MASK-10"),
        price="29.90",
        starts_at=now - timedelta(minutes=started),
        ends_at=now + timedelta(minutes=minutes_left),
    )


def test_a_running_special_shows_its_price_and_a_countdown_on_the_page_and_the_card(client, shop):
    special = put_on_special(shop)
    page = body(client.get(f"/p/{shop.mask.public_id}/"))
    assert re.search(
        r'data-testid="price">¥29\.90</span><s class="was"[^>]*>.*¥39\.90(</span>)?</s>', page
    )
    countdown = re.search(
        r'data-countdown="(\d+)"[^>]*data-testid="special-countdown">([^<]*)<time[^>]*>([^<]+)',
        page,
    )
    assert int(countdown.group(1)) == int(special.ends_at.timestamp())
    assert re.fullmatch(r"01:(2\d|30):\d\d", countdown.group(3))  # 90 minutes, counting down
    assert 'class="badge offer">特价' in page
    home = body(client.get("/"))
    offers = home.split('id="offers-title"')[1]
    assert shop.mask.name in offers and "¥29.90" in offers and "special-countdown" in offers


def test_an_ended_special_leaves_the_list_price_and_no_label(client, shop):
    put_on_special(shop, minutes_left=-1, started=60)
    page = body(client.get(f"/p/{shop.mask.public_id}/"))
    assert 'data-testid="price">¥39.90' in page
    assert "special-countdown" not in page and "badge offer" not in page
    assert 'id="offers-title"' not in body(client.get("/"))


def test_flags_alone_no_longer_promise_a_special_or_a_free_sample(client, shop):
    """The tea is flagged 特价 and 免费试用 but has no special and no sample: it sells at
    its list price, so neither label shows, and the home page's 限时特价 leaves it out."""
    page = body(client.get(f"/p/{shop.offer.public_id}/"))
    assert "badge offer" not in page and "免费试用" not in page
    assert 'id="offers-title"' not in body(client.get("/"))


def test_the_ranking_page_is_linked_from_home_and_lists_what_sold(client, shop, django_user_model):
    from omniretail.merchandising.models import SalesRank

    assert 'href="/ranking/"' in body(client.get("/"))
    now = timezone.now()
    for rank, product in enumerate([shop.offer, shop.mask], start=1):
        SalesRank.objects.create(
            days=30,
            category=None,
            region=None,
            product=product,
            rank=rank,
            units=10 - rank,
            amount="100.00",
            computed_at=now,
        )
    page = body(client.get("/ranking/?days=30"))
    assert re.findall(
        r'data-testid="ranking-row">\s*<span class="rank">(\d)</span>\s*<a[^>]*>([^<]+)', page
    ) == [
        ("1", shop.offer.name),
        ("2", shop.mask.name),
    ]
    assert "已售 9 件" in page
    assert "还没有销售记录" in body(client.get("/ranking/?days=7"))


@pytest.mark.parametrize(
    ("query", "status"), [("days=1", 422), ("category=nope", 404), ("region=nope", 404)]
)
def test_a_ranking_filter_not_understood_is_refused(client, shop, query, status):
    assert client.get(f"/ranking/?{query}").status_code == status


def test_the_brand_index_and_hall_show_logo_banner_story_and_goods(client, shop):
    shop.brand.logo_url = "/static/demo/logo.svg"
    shop.brand.story = "西湖边的老字号。"
    shop.brand.save()
    assert "品牌馆正在筹备中" in body(client.get("/brands/"))
    merchandising.open_brand_hall(
        actor=shop.ops, brand=shop.brand, banner_url="/static/demo/banner.jpg", tagline="百年好茶"
    )
    index = body(client.get("/brands/"))
    assert f'href="/brands/{shop.brand.public_id}/"' in index and "百年好茶" in index
    hall = body(client.get(f"/brands/{shop.brand.public_id}/"))
    assert 'src="/static/demo/banner.jpg"' in hall and 'src="/static/demo/logo.svg"' in hall
    assert "西湖边的老字号。" in hall
    goods = hall.split('id="brand-goods-title"')[1]
    assert shop.offer.name in goods
    assert client.get("/brands/01hzzzzzzzzzzzzzzzzzzzzzzz/").status_code == 404


def test_the_home_page_shows_the_featured_zone_only_while_scheduled(client, shop, platform):
    now = timezone.now()
    slot = merchandising.place_featured(
        actor=shop.ops,
        curator=platform,
        product=shop.offer,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(hours=1),
    )
    picks = body(client.get("/")).split('data-testid="home-picks"')[1].split("</section>")[0]
    assert shop.offer.name in picks
    type(slot).objects.filter(pk=slot.pk).update(ends_at=now - timedelta(minutes=1))
    assert 'data-testid="home-picks"' not in body(client.get("/"))


def test_the_producer_starts_a_special_on_its_console_page_and_a_bad_window_is_422(
    client, shop, merchant_staff
):
    from omniretail.conftest import STAFF_PASSWORD
    from omniretail.merchandising.models import Special

    sku = shop.mask.skus.get(code="MASK-10")
    client.login(username=shop.maker.username, password=STAFF_PASSWORD)
    form = {
        "sku": sku.public_id,
        "price": "25.00",
        "starts_at": "2030-01-01T10:00",
        "ends_at": "2030-01-01T10:00",
        "per_member_limit": "2",
    }
    refused = client.post("/producer/specials/", form)
    assert refused.status_code == 422
    assert "结束时间必须晚于开始时间。" in refused.content.decode()
    assert 'value="25.00"' in refused.content.decode()  # the typed form is kept
    assert not Special.objects.exists()
    form["ends_at"] = "2030-01-02T10:00"
    assert client.post("/producer/specials/", form).status_code == 302
    special = Special.objects.get()
    assert (special.sku, special.price, special.per_member_limit) == (sku, 29 - 4, 2)
    assert timezone.localtime(special.starts_at).hour == 10
    assert "每人限购 2 件" in body(client.get("/producer/specials/"))
    assert client.post(f"/producer/specials/{special.public_id}/end/").status_code == 302
    assert not Special.objects.exists()  # a special that had not started is removed
    client.logout()
    client.login(username=merchant_staff.username, password=STAFF_PASSWORD)
    assert client.get("/producer/specials/").status_code == 403


def test_the_cart_line_shows_the_price_checkout_will_charge(client, shop):
    put_on_special(shop)
    sku = shop.mask.skus.get(code="MASK-10")
    client.post("/cart/add/", {"sku": sku.public_id, "quantity": "2"})
    cart = body(client.get("/cart/"))
    line = cart.split('data-testid="cart-line"')[1]
    assert 'data-testid="line-price">¥29.90</span><s class="was">¥39.90</s>' in line
    assert "¥59.80" in cart  # the subtotal at the special price
