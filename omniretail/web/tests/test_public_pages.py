"""Anonymous catalog pages can be cached by a reverse proxy (issue 22): every page used to set
a CSRF cookie and `Vary: Cookie`, so no two visitors could share one. A visitor without a
session now gets the same page as every other, with an ETag; a signed-in shopper's pages stay
private, and forms on a public page still work (the browser fetches its token from /csrf/)."""

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("page", ["home", "categories", "search", "product", "category"])
def test_an_anonymous_catalog_page_is_public_without_a_csrf_cookie_or_vary_cookie(
    client, shop, page
):
    url = {
        "home": "/",
        "categories": "/categories/",
        "search": "/search/?q=面 膜",
        "product": f"/p/{shop.mask.public_id}/",
        "category": f"/c/{shop.skincare.slug}/",
    }[page]
    first = client.get(url)

    assert first.status_code == 200
    assert settings.CSRF_COOKIE_NAME not in first.cookies
    assert "cookie" not in _vary(first)
    assert "public" in first["Cache-Control"] and "max-age=" in first["Cache-Control"]
    assert first["ETag"]
    assert b"csrfmiddlewaretoken" not in first.content
    assert b'data-csrf="lazy"' in first.content

    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


def test_a_signed_in_shoppers_page_stays_private(shop, shopper):
    client = Client()
    client.force_login(shopper)
    page = client.get("/")
    assert "cookie" in _vary(page)
    assert "public" not in page.get("Cache-Control", "")
    assert b"csrfmiddlewaretoken" in page.content


def test_a_visitor_with_a_language_cookie_is_not_served_the_shared_page(client, shop):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/")
    assert "public" not in page.get("Cache-Control", "")


def test_the_token_endpoint_gives_the_browser_a_csrf_cookie_that_a_post_from_a_public_page_passes():
    client = Client(enforce_csrf_checks=True)
    refused = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert refused.status_code == 403

    token = client.get("/csrf/")
    assert token.status_code == 204
    assert "no-store" in token["Cache-Control"]
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value
    switched = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/"}, headers={"X-CSRFToken": secret}
    )
    assert switched.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


@pytest.mark.parametrize("page", ["home", "categories", "product", "ranking", "brands", "store"])
def test_a_head_request_gets_the_headers_a_get_does(client, shop, page):
    """`curl -I` (and a proxy revalidating) gets the page's caching headers, not a 405."""
    url = {
        "home": "/",
        "categories": "/categories/",
        "product": f"/p/{shop.mask.public_id}/",
        "ranking": "/ranking/",
        "brands": "/brands/",
        "store": f"/stores/{shop.near_store.public_id}/",
    }[page]
    got = client.get(url)

    head = client.head(url)

    assert head.status_code == 200
    assert head.content == b""
    assert head["Cache-Control"] == got["Cache-Control"]
    assert head["ETag"] == got["ETag"]
    assert client.head(url, headers={"If-None-Match": got["ETag"]}).status_code == 304
