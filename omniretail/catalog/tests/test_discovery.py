"""Search beyond the results (issue 15 item 5): the 销量 sort, 附近有货, the search log and its
hot words, suggestions while typing, and a member's own history."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.catalog import discovery, selectors, services
from omniretail.catalog.models import HotWord, SearchHistory, SearchLog
from omniretail.conftest import make_store
from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.inventory import services as inventory

pytestmark = pytest.mark.django_db

BASE = "/api/catalog"


def _shopper(n: int) -> User:
    return User.objects.create_user(username=f"shopper{n}", phone=f"1380000{n:04d}")


def _names(resp) -> list[str]:
    assert resp.status_code == 200, resp.content
    return [item["name"] for item in resp.json()["items"]]


# --- 销量 -----------------------------------------------------------------------------------


def test_sales_sort_puts_the_best_sellers_first(api_client, make_product, merchant, merchant_staff):
    slow = make_product(merchant_staff, merchant, name="补水面膜A")
    best = make_product(merchant_staff, merchant, name="补水面膜B")
    none = make_product(merchant_staff, merchant, name="补水面膜C")
    discovery.set_sales_units({slow.pk: 3, best.pk: 40})

    names = _names(api_client().get(f"{BASE}/products", {"q": "面膜", "sort": "sales"}))

    assert names == ["补水面膜B", "补水面膜A", "补水面膜C"]
    assert none.name == names[-1]


def test_sales_figures_are_rewritten_and_a_product_no_longer_named_sold_none(
    make_product, merchant, merchant_staff
):
    a = make_product(merchant_staff, merchant, name="面膜A")
    b = make_product(merchant_staff, merchant, name="面膜B")
    discovery.set_sales_units({a.pk: 5, b.pk: 2})

    assert discovery.set_sales_units({b.pk: 7}) == 2
    assert discovery.set_sales_units({b.pk: 7}) == 0  # nothing changed, nothing written
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.sales_units, b.sales_units) == (0, 7)


# --- 附近有货 --------------------------------------------------------------------------------


@pytest.fixture
def stocked(make_product, merchant, merchant_staff):
    """Two masks: one on the shelf of a store at West Lake, one only in a store 30 km away."""
    near_store = make_store(merchant_staff, merchant, "湖滨店", lat=30.2588, lon=120.1648)
    far_store = make_store(merchant_staff, merchant, "萧山店", lat=30.05, lon=120.45)
    near = make_product(merchant_staff, merchant, name="湖滨有货面膜")
    far = make_product(merchant_staff, merchant, name="萧山有货面膜")
    make_product(merchant_staff, merchant, name="无货面膜")
    for store, product in ((near_store, near), (far_store, far)):
        location = inventory.location_for_store(store)
        inventory.receive_stock(
            actor=merchant_staff, location=location, sku=product.skus.get(), quantity=3
        )
    return near, far


def test_in_stock_near_me_keeps_what_a_store_within_reach_has(api_client, stocked):
    here = {"q": "面膜", "lat": "30.2600", "lon": "120.1650"}

    assert _names(api_client().get(f"{BASE}/products", here)) == ["湖滨有货面膜"]
    assert sorted(_names(api_client().get(f"{BASE}/products", {**here, "radius_km": 50}))) == [
        "湖滨有货面膜",
        "萧山有货面膜",
    ]
    assert len(_names(api_client().get(f"{BASE}/products", {"q": "面膜"}))) == 3


def test_stock_all_reserved_is_not_in_stock(stocked):
    near, _far = stocked
    location = inventory.location_for_store(near.skus.get().stock_levels.get().location.store)
    inventory.reserve(location=location, sku=near.skus.get(), quantity=3, reference="t-1")

    found = selectors.search_products("面膜", lat=30.26, lon=120.165)

    assert list(found) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "30.26"}, "lon"),
        ({"lon": "120.16"}, "lat"),
        ({"lat": "91", "lon": "120.16"}, "lat"),
        ({"lat": "30.26", "lon": "120.16", "radius_km": "0"}, "radius_km"),
        ({"lat": "30.26", "lon": "120.16", "radius_km": "51"}, "radius_km"),
    ],
)
def test_a_bad_position_or_reach_is_named(api_client, categories, params, field):
    resp = api_client().get(f"{BASE}/products", {"q": "面膜", **params})

    assert resp.status_code == 422
    assert field in str(resp.json()["error"]["fields"])


# --- the log and hot words ------------------------------------------------------------------


def test_the_first_page_of_an_api_search_is_logged_in_compact_form(
    api_client, make_product, merchant, merchant_staff
):
    make_product(merchant_staff, merchant)
    api_client().get(f"{BASE}/products", {"q": " 面 膜！"})
    api_client().get(f"{BASE}/products", {"q": "面膜", "page": 2})
    api_client().get(f"{BASE}/products", {"q": "不存在的东西"})

    assert list(SearchLog.objects.order_by("id").values_list("query", "result_count")) == [
        ("面膜", 1),
        ("不存在的东西", 0),
    ]


def _search(word: str, member=None, *, found: int = 5, ago: timedelta = timedelta(hours=1)):
    discovery.record_search(query=word, result_count=found, member=member, now=timezone.now() - ago)


def test_hot_words_count_people_not_repeats_and_need_three(db):
    alice, bob, carol = _shopper(1), _shopper(2), _shopper(3)
    for _ in range(5):
        _search("面膜", alice)  # one shopper repeating is one
    _search("面膜", bob)
    _search("面膜", carol)
    _search("面膜")  # an anonymous search counts once
    for member in (alice, bob, carol):
        _search("茶叶", member)
        _search("洗面奶", member, found=0)  # found nothing: not a hot word
    _search("零食", alice)
    _search("零食", bob, ago=timedelta(days=8))  # before the window

    assert discovery.refresh() == 2
    assert discovery.hot_words() == ["面膜", "茶叶"]
    assert [(w.word, w.score) for w in discovery.hot_word_board()] == [("面膜", 4), ("茶叶", 3)]


def test_the_hot_word_job_is_idempotent_and_drops_words_that_cooled(db):
    for n in range(3):
        _search("面膜", _shopper(n))
    discovery.refresh()
    discovery.refresh()
    assert discovery.hot_words() == ["面膜"]

    later = timezone.now() + timedelta(days=8)
    discovery.refresh(now=later)

    assert discovery.hot_words() == []
    assert not HotWord.objects.exists()


def test_old_log_rows_are_dropped(db):
    _search("面膜", ago=timedelta(days=31))
    _search("茶叶")
    discovery.refresh()

    assert list(SearchLog.objects.values_list("query", flat=True)) == ["茶叶"]


def test_operators_pin_ban_and_release_hot_words(platform_staff, merchant_staff):
    shoppers = [_shopper(n) for n in range(4)]
    for member in shoppers:
        _search("面膜", member)
    for member in shoppers[:3]:
        _search("茶叶", member)
    discovery.refresh()

    discovery.pin_word(actor=platform_staff, word="年货 节", position=1)
    discovery.ban_word(actor=platform_staff, word="面膜")
    assert discovery.hot_words() == ["年货节", "茶叶"]
    discovery.refresh()  # the job keeps the operators' choices
    assert discovery.hot_words() == ["年货节", "茶叶"]

    discovery.release_word(actor=platform_staff, word="面膜")
    discovery.release_word(actor=platform_staff, word="年货节")
    assert discovery.hot_words() == ["面膜", "茶叶"]
    with pytest.raises(PermissionDenied):
        discovery.ban_word(actor=merchant_staff, word="茶叶")
    with pytest.raises(ValidationFailed) as err:
        discovery.pin_word(actor=platform_staff, word="茶叶", position=11)
    assert "position" in err.value.fields
    with pytest.raises(ValidationFailed) as err:
        discovery.ban_word(actor=platform_staff, word="！！")
    assert "word" in err.value.fields


# --- suggestions ----------------------------------------------------------------------------


@pytest.fixture
def shelf(make_product, producer, producer_staff, platform_staff):
    brand = services.create_brand(actor=producer_staff, producer=producer, name="自然堂")
    make_product(producer_staff, producer, name="补水保湿面膜10片", brand=brand)
    make_product(producer_staff, producer, name="面霜50g", brand=brand)
    make_product(producer_staff, producer, name="西湖龙井茶", category="tea")
    for n in range(3):
        _search("面膜贴", _shopper(n))
    discovery.refresh()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("面", ["面膜贴", "面部护理", "面霜50g", "补水保湿面膜10片"]),
        ("mian", ["面膜贴", "面部护理", "面霜50g", "补水保湿面膜10片"]),
        ("zir", ["自然堂", "面霜50g", "补水保湿面膜10片"]),  # the brand, then its goods
        ("zrt", ["自然堂", "面霜50g", "补水保湿面膜10片"]),
        ("茶", ["茶叶", "西湖龙井茶"]),
        ("ls", []),
    ],
)
def test_suggestions_complete_by_prefix_pinyin_and_initials(api_client, shelf, typed, expected):
    resp = api_client().get(f"{BASE}/suggestions", {"q": typed})

    assert resp.status_code == 200
    assert [item["text"] for item in resp.json()["items"]] == expected


def test_suggestions_name_their_source_and_stop_at_ten(
    api_client, shelf, make_product, producer, producer_staff
):
    for n in range(12):
        make_product(producer_staff, producer, name=f"面膜{n}号")

    items = api_client().get(f"{BASE}/suggestions", {"q": "面"}).json()["items"]

    assert len(items) == 10
    assert [i["kind"] for i in items[:2]] == ["hot", "category"]
    assert {i["kind"] for i in items[2:]} == {"product"}


@pytest.mark.parametrize("typed", ["", "   ", "！！"])
def test_no_suggestions_for_nothing_typed(api_client, shelf, typed):
    assert api_client().get(f"{BASE}/suggestions", {"q": typed}).json()["items"] == []


def test_a_banned_word_is_never_suggested(api_client, shelf, platform_staff):
    discovery.ban_word(actor=platform_staff, word="面膜贴")

    items = api_client().get(f"{BASE}/suggestions", {"q": "面膜"}).json()["items"]

    assert "面膜贴" not in [i["text"] for i in items]


# --- personal history -----------------------------------------------------------------------


def test_history_keeps_a_members_last_twenty_distinct_searches():
    member = _shopper(1)
    for n in range(25):
        _search(f"面膜{n}", member, ago=timedelta(minutes=60 - n))
    _search("面膜3", member, ago=timedelta(0))  # again: moves to the top, not a second row

    shown = discovery.history(member)

    assert len(shown) == 20
    assert shown[:3] == ["面膜3", "面膜24", "面膜23"]
    assert SearchHistory.objects.filter(member=member).count() == 20


def test_anonymous_searches_keep_no_history(db):
    _search("面膜")

    assert not SearchHistory.objects.exists()
    assert SearchLog.objects.get().member is None


def test_a_member_forgets_one_search_or_all():
    alice, bob = _shopper(1), _shopper(2)
    for word in ("面膜", "茶叶", "零食"):
        _search(word, alice)
    _search("面膜", bob)

    assert discovery.forget_search(alice, "茶叶") == 1
    assert discovery.forget_search(alice, "茶叶") == 0
    assert discovery.history(alice) == ["零食", "面膜"]
    assert discovery.clear_history(alice) == 2
    assert discovery.history(alice) == []
    assert discovery.history(bob) == ["面膜"]  # someone else's is untouched


def test_a_members_searches_are_in_their_data_export_and_go_when_the_account_closes():
    from omniretail.accounts.privacy import erase_personal_data, export_personal_data

    member = _shopper(1)
    _search("面膜", member)

    exported = export_personal_data(member)["searches"]
    erase_personal_data(member)

    assert [row["query"] for row in exported] == ["面膜"]
    assert discovery.history(member) == []
    assert SearchLog.objects.get().member is None  # the word still counts, nameless
