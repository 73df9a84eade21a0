"""The search page around the results (issue 15 item 5): 销量 and 附近有货, the hot words and
the member's own history before typing (delete one, clear all, CSRF-protected), suggestions
while typing, and the operators' 热搜 console."""

import re

import pytest
from django.conf import settings
from django.test import Client

from omniretail.accounts.models import User
from omniretail.catalog import discovery
from omniretail.catalog import services as catalog
from omniretail.catalog.models import SearchHistory, SearchLog
from omniretail.conftest import make_store
from omniretail.inventory import services as inventory
from omniretail.web.tests.factories import publish

pytestmark = pytest.mark.django_db


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def cards(body: str) -> list[str]:
    return re.findall(r'<div class="name">([^<]+)</div>', body)


@pytest.fixture
def shelf(platform_staff, producer_staff, producer):
    beauty = catalog.create_category(actor=platform_staff, name="美妆个护", slug="beauty")
    return [
        publish(
            platform_staff,
            producer_staff,
            producer,
            category=beauty,
            name=name,
            skus=[{"code": f"S{i}", "name": "单片", "price": "19.90"}],
        )
        for i, name in enumerate(["补水面膜", "美白面膜", "舒缓面膜"])
    ]


@pytest.fixture
def member(db):
    return User.objects.create_user(username="m13800000001", phone="13800000001")


def test_sales_sort_on_the_page(client, shelf):
    hydrating, whitening, _soothing = shelf
    discovery.set_sales_units({whitening.pk: 9, hydrating.pk: 2})

    body = text(client.get("/search/", {"q": "面膜", "sort": "sales"}))

    assert cards(body) == ["美白面膜", "补水面膜", "舒缓面膜"]
    assert re.search(r'aria-current="page"\s+href="[^"]*sort=sales"', body)


def test_in_stock_nearby_on_the_page(client, shelf, merchant, merchant_staff):
    hydrating, whitening, _soothing = shelf
    centre = make_store(merchant_staff, merchant, "市中心店", *settings.OMNI_CITY_CENTER)
    far = make_store(merchant_staff, merchant, "远郊店", lat=30.6, lon=120.6)
    for store, product in ((centre, hydrating), (far, whitening)):
        inventory.receive_stock(
            actor=merchant_staff,
            location=inventory.location_for_store(store),
            sku=product.skus.get(),
            quantity=2,
        )
    lat, lon = settings.OMNI_CITY_CENTER

    located = text(client.get("/search/", {"q": "面膜", "nearby": "1", "lat": lat, "lon": lon}))
    unlocated = text(client.get("/search/", {"q": "面膜", "nearby": "1", "lat": "", "lon": ""}))
    everything = text(client.get("/search/", {"q": "面膜"}))

    assert cards(located) == ["补水面膜"]
    assert 'data-testid="near-fallback"' not in located
    assert cards(unlocated) == ["补水面膜"]
    assert "未获得您的位置" in unlocated
    assert len(cards(everything)) == 3


def test_before_typing_the_page_shows_hot_words_and_the_members_history(client, shelf, member):
    for n in range(3):
        shopper = User.objects.create_user(username=f"s{n}", phone=f"1390000000{n}")
        discovery.record_search(query="美白面膜", result_count=1, member=shopper)
    discovery.refresh()
    client.force_login(member)
    client.get("/search/", {"q": "补水"})
    client.get("/search/", {"q": "面膜", "page": 2}, headers={"HX-Request": "true"})  # not logged

    body = text(client.get("/search/"))

    assert re.findall(r'data-testid="hot-word">([^<]+)<', body) == ["美白面膜"]
    assert re.findall(r'data-testid="history-word"><a [^>]+>([^<]+)<', body) == ["补水"]
    assert SearchLog.objects.filter(query="面膜").count() == 0


def test_anonymous_visitors_have_no_history(client, shelf):
    client.get("/search/", {"q": "补水"})

    body = text(client.get("/search/"))

    assert not SearchHistory.objects.exists()
    assert 'data-testid="search-history"' not in body
    assert SearchLog.objects.get().member is None


def test_history_is_removed_one_by_one_or_all_with_the_csrf_token(shelf, member):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    for word in ("补水", "美白", "舒缓"):
        browser.get("/search/", {"q": word})
    token = browser.get("/search/").cookies["csrftoken"].value

    forged = browser.post("/search/history/clear/")
    one = browser.post("/search/history/forget/", {"q": "美白", "csrfmiddlewaretoken": token})

    assert forged.status_code == 403
    assert one.status_code == 302
    assert discovery.history(member) == ["舒缓", "补水"]
    browser.post("/search/history/clear/", {"csrfmiddlewaretoken": token})
    assert discovery.history(member) == []


def test_suggestions_while_typing(client, shelf):
    body = text(client.get("/search/suggestions/", {"q": "meib"}))
    empty = text(client.get("/search/suggestions/", {"q": " "}))
    page = text(client.get("/search/"))

    assert re.findall(r'data-testid="suggestion">([^<]+)<', body) == ["美白面膜"]
    assert empty == ""
    assert 'hx-get="/search/suggestions/"' in page and "delay:250ms" in page


def test_operators_pin_and_ban_hot_words_from_the_console(client, shelf, platform_staff):
    client.force_login(platform_staff)
    url = "/ops/search/hot-words/"

    pinned = client.post(url, {"action": "pin", "word": "年货节", "position": "1"})
    banned = client.post(url, {"action": "ban", "word": "美白面膜"})
    unknown = client.post(url, {"action": "explode", "word": "面膜"})
    too_far = client.post(url, {"action": "pin", "word": "面膜", "position": "99"})

    assert (pinned.status_code, banned.status_code) == (302, 302)
    assert unknown.status_code == 422 and "请选择操作" in unknown.content.decode()
    assert too_far.status_code == 422 and "置顶位置" in too_far.content.decode()
    assert re.findall(r'data-testid="hot-word">([^<]+)<', text(client.get("/search/"))) == [
        "年货节"
    ]
    board = text(client.get(url))
    assert "已屏蔽" in board and "置顶第 1 位" in board
