"""The server keeps the anonymous catalog pages and API answers it already lets a proxy keep
(issue 22): a second anonymous visitor is answered without the page's queries, for no longer
than OMNI_PAGE_CACHE_SECONDS, and never with a page another visitor (or a signed-in shopper)
should not see."""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from omniretail.catalog import services as catalog
from omniretail.catalog.models import SearchLog
from omniretail.shopping import services as shopping

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.OMNI_PAGE_CACHE_SECONDS = 30
    caches["pages"].clear()
    yield
    caches["pages"].clear()


def _urls(shop) -> dict:
    return {
        "home": "/",
        "categories": "/categories/",
        "product": f"/p/{shop.mask.public_id}/",
        "search": "/search/?q=面膜",
        "api products": "/api/catalog/products?limit=20",
        "api search": "/api/catalog/products?q=面膜",
        "api product": f"/api/catalog/products/{shop.mask.public_id}",
    }


# a search is logged for hot words each time it is asked for, from the cache too: one INSERT
QUERIES_ON_A_HIT = {"search": 1, "api search": 1}


@pytest.mark.parametrize(
    "page",
    ["home", "categories", "product", "search", "api products", "api search", "api product"],
)
def test_a_second_anonymous_visitor_gets_the_page_without_its_queries(
    shop, page, django_assert_num_queries
):
    url = _urls(shop)[page]
    first = Client().get(url)
    assert first.status_code == 200
    assert "public" in first["Cache-Control"]

    with django_assert_num_queries(QUERIES_ON_A_HIT.get(page, 0)):
        second = Client().get(url)

    assert second.status_code == 200
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == first["Content-Type"]


def test_a_search_asked_for_twice_is_logged_twice_for_hot_words(client, shop):
    client.get("/search/?q=面膜")
    client.get("/search/?q=面膜")
    client.get("/api/catalog/products?q=面膜")
    client.get("/api/catalog/products?q=面膜")
    logged = list(SearchLog.objects.values_list("query", "result_count", "member"))
    assert logged == [("面膜", 1, None)] * 4


def test_a_revalidating_visitor_gets_304_from_the_cache(shop, django_assert_num_queries):
    url = f"/p/{shop.mask.public_id}/"
    first = Client().get(url)
    with django_assert_num_queries(0):
        again = Client().get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert Client().get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_revalidation_that_misses_the_cache_fills_it(shop, django_assert_num_queries):
    """A proxy revalidating a page this process has not cached yet: the view runs once, the
    page is kept, and the 304 is still given."""
    url = f"/p/{shop.mask.public_id}/"
    etag = Client().get(url)["ETag"]
    caches["pages"].clear()
    assert Client().get(url, headers={"If-None-Match": etag}).status_code == 304
    with django_assert_num_queries(0):
        assert Client().get(url).status_code == 200


def test_a_cached_page_says_how_old_it_is(shop):
    with freeze_time(timezone.now()) as clock:
        Client().get("/")
        clock.tick(timedelta(seconds=7))
        again = Client().get("/")
    assert again["Age"] == "7"
    assert "max-age=60" in again["Cache-Control"]


def test_a_signed_in_shopper_never_gets_the_anonymous_copy(shop, shopper):
    url = f"/p/{shop.mask.public_id}/"
    anonymous = Client().get(url)
    assert "登录后收藏".encode() in anonymous.content
    shopping.toggle_favourite(user=shopper, product=shop.mask)
    member = Client()
    member.force_login(shopper)

    page = member.get(url)

    assert "取消收藏".encode() in page.content
    assert b"csrfmiddlewaretoken" in page.content
    assert "public" not in page.get("Cache-Control", "")
    # and what the shopper got is kept for nobody: the next visitor gets the anonymous page
    assert Client().get(url).content == anonymous.content


def test_a_visitor_with_a_cart_in_the_session_gets_their_own_page(shop):
    url = f"/p/{shop.mask.public_id}/"
    anonymous = Client().get(url)
    visitor = Client()
    sku = shop.mask.skus.order_by("code").first()
    visitor.get("/csrf/")
    assert visitor.post("/cart/add/", {"sku": sku.public_id, "quantity": "2"}).status_code == 302

    page = visitor.get(url)

    assert page.content != anonymous.content
    assert b"csrfmiddlewaretoken" in page.content  # their own form token, not the shared page
    assert "public" not in page.get("Cache-Control", "")


def test_a_visitor_who_reads_english_gets_english(shop):
    chinese = Client().get("/categories/")
    assert "美妆个护".encode() in chinese.content

    english = Client(headers={"Accept-Language": "en"}).get("/categories/")

    assert b"Beauty" in english.content
    assert english.content != chinese.content
    assert Client().get("/categories/").content == chinese.content
    by_cookie = Client()
    by_cookie.cookies["django_language"] = "en"
    assert b"Beauty" in by_cookie.get("/categories/").content


def test_a_price_change_and_a_product_taken_down_show_once_the_lifetime_is_over(shop, settings):
    settings.OMNI_PAGE_CACHE_SECONDS = 5
    url = f"/p/{shop.mask.public_id}/"
    sku = shop.mask.skus.get(code="MASK-10")
    with freeze_time(timezone.now()) as clock:
        assert b"39.90" in Client().get(url).content
        catalog.set_sku_price(actor=shop.maker, sku=sku, price="29.90")
        catalog.update_product(actor=shop.maker, product=shop.mask, name="玻尿酸补水面膜 新版")

        clock.tick(timedelta(seconds=4))
        assert Client().get(url).status_code == 200  # the page promised for this long
        clock.tick(timedelta(seconds=2))
        assert Client().get(url).status_code == 404  # under review again: off the shop
        assert b"39.90" not in Client().get("/api/catalog/products").content


def test_the_lifetime_never_outlasts_the_max_age_the_page_declares(shop, settings):
    settings.OMNI_PAGE_CACHE_SECONDS = 600
    settings.OMNI_PUBLIC_PAGE_MAX_AGE = 5
    url = f"/p/{shop.mask.public_id}/"
    with freeze_time(timezone.now()) as clock:
        Client().get(url)
        catalog.update_product(actor=shop.maker, product=shop.mask, name="玻尿酸补水面膜 新版")
        clock.tick(timedelta(seconds=6))
        assert Client().get(url).status_code == 404


def test_zero_seconds_turns_the_cache_off(shop, settings):
    settings.OMNI_PAGE_CACHE_SECONDS = 0
    Client().get("/")
    with CaptureQueriesContext(connection) as ran:
        Client().get("/")
    assert len(ran) > 0


def test_a_post_is_never_answered_from_the_cache(shop):
    url = "/search/?q=面膜"
    assert Client().get(url).status_code == 200
    assert Client().post(url).status_code == 405
    assert Client().head(url).status_code == 200


def test_a_request_with_credentials_or_htmx_is_not_answered_from_the_cache(shop):
    url = "/search/?q=面膜"
    full = Client().get(url)
    fragment = Client().get(url, headers={"HX-Request": "true"})
    assert fragment.content != full.content
    assert b"<html" not in fragment.content
    with CaptureQueriesContext(connection) as ran:
        Client().get(url, headers={"Authorization": "Bearer not-a-token"})
    assert len(ran) > 0


def test_a_public_page_says_it_differs_for_htmx(shop):
    """加载更多 asks for the same URL as the page with HX-Request and gets a fragment: a proxy
    or the browser's own cache must not give that fragment to someone opening the URL."""
    url = "/search/?q=面膜&page=1"
    full = Client().get(url)
    fragment = Client().get(url, headers={"HX-Request": "true"})
    for response in (full, fragment):
        assert "public" in response["Cache-Control"]
        assert "hx-request" in response["Vary"].lower()
    with CaptureQueriesContext(connection) as ran:
        again = Client().get(url)
    assert again.content == full.content
    assert len(ran) == 1  # from the page cache: only the search's hot-word log
