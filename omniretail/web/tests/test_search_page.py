"""The H5 search page: it pages like the API (20 cards, then 加载更多 keeping the query and
its filters), sorts and filters by brand and price, and bad input gets a message, never a
500."""

import re

import pytest

from omniretail.catalog import services as catalog
from omniretail.web.tests.factories import publish

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def cards(body: str) -> list[str]:
    return re.findall(r'<div class="name">([^<]+)</div>', body)


@pytest.fixture
def masks(platform_staff, producer_staff, producer):
    """25 masks of two brands at 10.00 … 34.00 yuan, and one tea."""
    ops, maker = platform_staff, producer_staff
    beauty = catalog.create_category(actor=ops, name="美妆个护", slug="beauty")
    tea = catalog.create_category(actor=ops, name="茶饮冲调", slug="tea")
    green = catalog.create_brand(actor=maker, producer=producer, name="绿源")
    blue = catalog.create_brand(actor=maker, producer=producer, name="蓝海")
    for i in range(25):
        publish(
            ops,
            maker,
            producer,
            category=beauty,
            brand=green if i % 2 else blue,
            name=f"补水面膜{i:02d}号",
            skus=[{"code": f"M{i}", "name": "单片", "price": f"{10 + i}.00"}],
        )
    publish(
        ops,
        maker,
        producer,
        category=tea,
        name="西湖龙井",
        skus=[{"code": "T1", "name": "罐装", "price": "99.00"}],
    )
    return {"green": green, "blue": blue}


def test_search_shows_twenty_cards_and_loads_the_rest_keeping_the_query(client, masks):
    body = text(client.get("/search/", {"q": "面膜"}))

    assert len(cards(body)) == 20
    assert "25 件" in body
    more = re.search(r'hx-get="([^"]*page=[^"]+)"', body).group(1).replace("&amp;", "&")
    assert "q=%E9%9D%A2%E8%86%9C" in more and "page=2" in more

    rest = text(client.get(more, headers={"HX-Request": "true"}))
    assert len(cards(rest)) == 5
    assert "hx-get" not in rest  # the last page offers no more
    assert set(cards(body)) | set(cards(rest)) == {f"补水面膜{i:02d}号" for i in range(25)}


def test_search_sorts_by_price_and_newest(client, masks):
    cheapest = cards(text(client.get("/search/", {"q": "面膜", "sort": "price"})))
    dearest = cards(text(client.get("/search/", {"q": "面膜", "sort": "-price"})))
    newest = cards(text(client.get("/search/", {"q": "面膜", "sort": "newest"})))

    assert cheapest[:2] == ["补水面膜00号", "补水面膜01号"]
    assert dearest[:2] == ["补水面膜24号", "补水面膜23号"]
    assert newest[0] == "补水面膜24号"


def test_search_filters_by_brand_and_price_range(client, masks):
    body = text(
        client.get(
            "/search/",
            {"q": "面膜", "brand": masks["green"].public_id, "min_price": "20", "max_price": "25"},
        )
    )

    assert sorted(cards(body)) == ["补水面膜11号", "补水面膜13号", "补水面膜15号"]
    assert 'value="20"' in body  # the form keeps what the shopper chose


@pytest.mark.parametrize(
    "params, message",
    [
        ({"q": "！！！"}, "搜索词需要包含文字或数字"),
        ({"q": "面" * 500}, "搜索词不能超过"),
        ({"q": "面膜", "min_price": "abc"}, "请输入金额"),
        ({"q": "面膜", "min_price": "30", "max_price": "10"}, "最高价不能低于最低价"),
        ({"q": "面膜", "sort": "cheapest"}, "排序方式"),
        ({"q": "面膜", "brand": "01nosuchbrand000000000000"}, "找不到该品牌"),
    ],
)
def test_bad_search_input_gets_a_message_not_an_error(client, masks, params, message):
    response = client.get("/search/", params)

    assert response.status_code in (404, 422)
    assert message in text(response)


def test_past_the_count_cap_the_page_says_more_and_still_loads_the_next_page(
    client, masks, monkeypatch
):
    """A search counts its matches only up to a cap (catalog.count_matches): the label says
    “N+ 件”, and 加载更多 is offered for as long as more match."""
    from omniretail.catalog import selectors

    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 20)
    body = text(client.get("/search/", {"q": "膜"}))
    assert "“膜”的搜索结果：20+ 件" in body
    assert len(cards(body)) == 20 and "加载更多" in body
    rest = text(client.get("/search/", {"q": "膜", "page": 2}, headers={"HX-Request": "true"}))
    assert len(cards(rest)) == 5 and "加载更多" not in rest
    assert "“龙井”的搜索结果：1 件" in text(client.get("/search/", {"q": "龙井"}))
