"""The shopper's pages through Django's test client: what a shopper sees, in which
language, and that bad input gets a friendly message with the right status, never a 500."""

import re

import pytest
from django.contrib.auth import get_user_model

from omniretail.conftest import STAFF_PASSWORD
from omniretail.core.sms import read_sms_file
from omniretail.web.tests.factories import publish

PHONE = "13800138000"
pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def last_code(phone: str = PHONE) -> str:
    return re.search(r"\b(\d{6})\b", read_sms_file(phone)[-1]["text"]).group(1)


# Home and language


def test_home_shows_the_four_entry_modules_in_chinese(client, shop):
    response = client.get("/")
    assert response.status_code == 200
    body = text(response)
    for label in ("品牌商品", "积分商城", "附近商家", "社群"):
        assert label in body
    assert "即将上线" not in body
    assert shop.mask.name in body  # featured product on the home page
    assert "¥39.90" in body


def test_every_entry_module_opens_a_working_page(client, shop):
    home = client.get("/").content.decode()
    for module in ("brand", "points", "nearby", "community"):
        href = re.search(rf'href="([^"]+)" data-testid="module-{module}"', home).group(1)
        assert client.get(href).status_code == 200, module


def test_switching_to_english_through_set_language_translates_the_pages(client, shop):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = text(client.get("/"))
    assert "Brand goods" in body
    assert "Points mall" in body
    assert "品牌商品" not in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "品牌商品" in text(client.get("/"))


def test_language_cookie_alone_selects_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = text(client.get("/"))
    assert 'lang="en"' in body
    assert "Nearby merchants" in body


# Categories and products


def test_category_tree_lists_categories_with_product_counts(client, shop):
    body = text(client.get("/categories/"))
    assert shop.beauty.name in body
    assert shop.skincare.name in body


def test_category_page_lists_its_products(client, shop):
    response = client.get(f"/c/{shop.skincare.slug}/")
    assert response.status_code == 200
    assert shop.mask.name in text(response)


@pytest.mark.parametrize("page", ["abc", "999", "-1", "0"])
def test_a_bad_page_number_falls_back_instead_of_failing(client, shop, page):
    response = client.get(f"/c/{shop.skincare.slug}/", {"page": page})
    assert response.status_code == 200
    assert shop.mask.name in text(response)


def test_load_more_returns_the_next_page_as_a_fragment(client, shop, many_products):
    first = text(client.get(f"/c/{shop.skincare.slug}/"))
    assert "加载更多" in first
    assert 'hx-get="/c/' in first
    fragment = text(
        client.get(f"/c/{shop.skincare.slug}/", {"page": 2}, headers={"HX-Request": "true"})
    )
    assert "<html" not in fragment
    assert fragment.count('data-testid="product-card"') >= 1


def test_unknown_category_is_a_friendly_404(client, shop):
    response = client.get("/c/no-such-category/")
    assert response.status_code == 404
    assert "回到首页" in text(response)


def test_product_page_shows_price_badges_brand_and_skus(client, shop):
    response = client.get(f"/p/{shop.mask.public_id}/")
    assert response.status_code == 200
    body = text(response)
    assert re.search(r'data-testid="price">¥39\.90<', body)
    assert shop.mask.name in body
    assert "精选" in body
    assert shop.brand.name in body


def test_product_without_a_picture_shows_its_first_character_instead(client, shop):
    body = text(client.get(f"/p/{shop.mask.public_id}/"))
    assert 'class="placeholder big"' in body
    assert ">玻</div>" in body


def test_product_with_a_picture_shows_it(client, shop):
    product = publish(
        shop.ops,
        shop.maker,
        shop.producer,
        category=shop.tea,
        name="白茶饼",
        skus=[{"code": "WHITE-1", "name": "357g", "price": "128.00"}],
        images=["/static/demo/white-tea.svg"],
    )
    body = text(client.get(f"/p/{product.public_id}/"))
    assert '<img src="/static/demo/white-tea.svg" alt="白茶饼"' in body


def test_special_offer_shows_the_struck_through_compare_at_price(client, shop):
    """The compare-at price stays; the 特价 label needs a running special (merchandising)."""
    body = text(client.get(f"/p/{shop.offer.public_id}/"))
    assert re.search(r'data-testid="compare-at-price">.*¥99\.00</s>', body)


def test_unknown_product_is_a_translated_404_page(client, shop):
    response = client.get("/p/01hzzzzzzzzzzzzzzzzzzzzzzz/")
    assert response.status_code == 404
    assert "找不到该商品" in text(response)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = text(client.get("/p/01hzzzzzzzzzzzzzzzzzzzzzzz/"))
    assert "Product not found" in english
    assert "Back to home" in english


# Search


def test_search_finds_a_product_by_a_chinese_keyword(client, shop):
    response = client.get("/search/", {"q": "面膜"})
    assert response.status_code == 200
    assert shop.mask.name in text(response)


def test_search_without_match_shows_the_empty_state(client, shop):
    body = text(client.get("/search/", {"q": "拖拉机"}))
    assert 'data-testid="no-results"' in body


def test_too_long_search_gets_a_message_not_an_error(client, shop):
    response = client.get("/search/", {"q": "面" * 500})
    assert response.status_code == 422
    assert "搜索词不能超过" in text(response)


# Nearby


def test_nearby_page_shows_a_locating_indicator_and_loads_results_by_script(client):
    body = text(client.get("/nearby/"))
    assert 'data-testid="locating"' in body
    assert "web/nearby.js" in body


def test_nearby_results_list_the_closest_store_first_with_distance(client, shop):
    lat, lon = shop.near_point
    response = client.get(
        "/nearby/results/", {"lat": lat, "lon": lon}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = text(response)
    assert body.index(shop.near_store.name) < body.index(shop.far_store.name)
    assert "营业中" in body or "休息中" in body
    assert f'href="tel:{shop.near_store.phone}"' in body
    assert re.search(r'data-testid="distance">\d+ 米<', body)


def test_nearby_results_without_a_position_use_the_city_centre(client, shop):
    body = text(client.get("/nearby/results/", headers={"HX-Request": "true"}))
    assert "杭州市中心" in body
    assert shop.near_store.name in body


def test_nearby_results_without_javascript_are_a_whole_page(client, shop, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = text(client.get("/nearby/results/"))
    assert "<html" in body
    assert "near the city centre of 杭州" in body
    assert "Open now" in body


@pytest.mark.parametrize(
    "params", [{"lat": "abc", "lon": "120.1"}, {"lat": "91", "lon": "120"}, {"lat": "30.2"}]
)
def test_nearby_results_with_invalid_coordinates_are_a_friendly_422(client, params):
    response = client.get("/nearby/results/", params, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert 'data-testid="error"' in text(response)
    assert "输入有误" in text(response)


# Login


def test_shopper_logs_in_with_the_sms_code_and_sees_themselves_on_me(client):
    response = client.post("/login/", {"action": "send_code", "phone": PHONE})
    assert response.status_code == 200
    assert 'name="code"' in text(response)
    response = client.post(
        "/login/",
        {"action": "verify", "phone": PHONE, "code": last_code(), "next": "/me/", "consent": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/me/"
    body = text(client.get("/me/"))
    assert "138****8000" in body
    assert "退出登录" in body


def test_wrong_code_is_shown_on_the_form_with_422(client):
    client.post("/login/", {"action": "send_code", "phone": PHONE})
    wrong = f"{(int(last_code()) + 1) % 10**6:06d}"
    response = client.post(
        "/login/", {"action": "verify", "phone": PHONE, "code": wrong, "consent": "1"}
    )
    assert response.status_code == 422
    assert "验证码错误" in text(response)
    assert client.get("/me/").status_code == 302


def test_asking_for_a_second_code_at_once_is_rate_limited_with_429(client):
    client.post("/login/", {"action": "send_code", "phone": PHONE})
    response = client.post("/login/", {"action": "send_code", "phone": PHONE})
    assert response.status_code == 429
    assert "过于频繁" in text(response)


def test_an_invalid_phone_number_is_marked_on_the_field(client):
    response = client.post("/login/", {"action": "send_code", "phone": "12345"})
    assert response.status_code == 422
    assert 'id="phone-error"' in text(response)


def test_staff_log_in_with_username_and_password(client, merchant_staff):
    response = client.post(
        "/login/",
        {"action": "staff", "mode": "staff", "username": "clerk", "password": STAFF_PASSWORD},
    )
    assert response.status_code == 302
    body = text(client.get("/me/"))
    assert "湖滨便利" in body


def test_staff_with_a_wrong_password_stay_logged_out(client, merchant_staff):
    response = client.post(
        "/login/", {"action": "staff", "mode": "staff", "username": "clerk", "password": "nope"}
    )
    assert response.status_code == 401
    assert "用户名或密码错误" in text(response)


def test_me_redirects_anonymous_shoppers_to_login_with_next(client):
    response = client.get("/me/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/me/"


def test_login_ignores_a_next_url_on_another_site(client):
    client.post("/login/", {"action": "send_code", "phone": PHONE})
    response = client.post(
        "/login/",
        {
            "action": "verify",
            "phone": PHONE,
            "code": last_code(),
            "next": "https://evil.example/",
            "consent": "1",
        },
    )
    assert response["Location"] == "/me/"


def test_logout_is_a_post_and_ends_the_session(client, merchant_staff):
    client.force_login(get_user_model().objects.get(username="clerk"))
    assert client.get("/logout/").status_code == 405
    assert client.post("/logout/").status_code == 302
    assert client.get("/me/").status_code == 302


def test_product_list_pages_cost_a_constant_number_of_queries(
    client, shop, many_products, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):  # no SKUs; the running promotions' badges: one read
        response = client.get(f"/c/{shop.skincare.slug}/")
    assert text(response).count('data-testid="product-card"') == 20
    with django_assert_max_num_queries(10):  # the running specials, samples, promotions: one each
        client.get("/")
