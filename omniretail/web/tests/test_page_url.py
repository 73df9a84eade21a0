"""`{% page_url %}` is `{% url %}` reversed once per process (issue 22: a product card's
links were a tenth of the home and search pages' CPU): it must give the very links
`reverse()` gives, under a script prefix too, and fall back to `reverse()` for anything it
cannot place."""

import re

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, get_script_prefix, reverse, set_script_prefix

pytestmark = pytest.mark.django_db


def _render(source: str, **context) -> str:
    return Template("{% load web_tags %}" + source).render(Context(context))


@pytest.fixture
def script_prefix():
    """Serve the site under /shop/ (a proxy's sub-path) for the test, then as before."""
    before = get_script_prefix()
    set_script_prefix("/shop/")
    yield "/shop/"
    set_script_prefix(before)


def test_page_url_gives_the_links_reverse_gives():
    ulid = "01m93d5769e982vq4k8hrk0jym"
    assert _render("{% page_url 'web:home' %}") == reverse("web:home") == "/"
    assert _render("{% page_url 'web:product' id %}", id=ulid) == f"/p/{ulid}/"
    assert _render("{% page_url 'web:product' id %}", id="other") == "/p/other/"
    # an argument reverse() quotes is reversed, not pasted in
    assert _render("{% page_url 'web:product' id %}", id="面膜 a") == reverse(
        "web:product", args=["面膜 a"]
    )
    with pytest.raises(NoReverseMatch):
        _render("{% page_url 'web:product' id %}", id="a/b")


def test_page_url_follows_the_script_prefix(script_prefix):
    assert _render("{% page_url 'web:home' %}") == "/shop/"
    assert _render("{% page_url 'web:product' id %}", id="abc") == "/shop/p/abc/"
    set_script_prefix("/")
    assert _render("{% page_url 'web:product' id %}", id="abc") == "/p/abc/"


def test_a_public_pages_cards_and_tab_bar_link_where_they_did(client, shop):
    page = client.get("/search/", {"q": "面膜"}).content.decode()
    assert f'href="{reverse("web:product", args=[shop.mask.public_id])}"' in page
    login = reverse("web:login") + "?next=" + reverse("web:product", args=[shop.mask.public_id])
    assert f'href="{login}"' in page
    for name in ("web:home", "web:categories", "web:nearby", "web:cart", "web:me"):
        assert re.search(rf'<a href="{re.escape(reverse(name))}"', page), name
    assert f'action="{reverse("set_language")}"' in page
    assert f'action="{reverse("web:search")}"' in page
