"""Search runs on the database's own full-text index; these tests run on SQLite and on
PostgreSQL (DATABASE_URL) alike."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.catalog import search, selectors, services
from omniretail.catalog.models import Product
from omniretail.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def _names(query: str) -> list[str]:
    return [p.name for p in selectors.search_products(query)]


@pytest.mark.parametrize("query", ["面膜", "保湿面膜", "补水", "补水 面膜", "面", "MASK"])
def test_mask_is_found_by_its_words(make_product, merchant, merchant_staff, query):
    make_product(merchant_staff, merchant, name="补水保湿面膜10片", subtitle="Mask 玻尿酸")
    make_product(merchant_staff, merchant, name="西湖龙井", category="tea")

    assert _names(query) == ["补水保湿面膜10片"]


def test_words_are_matched_by_prefix_and_through_brand_and_category(
    make_product, producer, producer_staff
):
    brand = services.create_brand(actor=producer_staff, producer=producer, name="绿源")
    make_product(producer_staff, producer, name="有机绿茶", category="tea", brand=brand)

    assert _names("有机绿") == ["有机绿茶"]
    assert _names("绿源") == ["有机绿茶"]
    assert _names("茶叶") == ["有机绿茶"]


def test_unapproved_products_are_never_found(
    make_product, merchant, merchant_staff, platform_staff
):
    make_product(merchant_staff, merchant, name="草稿面膜", approve=False)
    submitted = make_product(merchant_staff, merchant, name="待审面膜", approve=False)
    services.submit_product(actor=merchant_staff, product=submitted)
    rejected = make_product(merchant_staff, merchant, name="驳回面膜", approve=False)
    services.submit_product(actor=merchant_staff, product=rejected)
    services.review_product(actor=platform_staff, product=rejected, approve=False, reason="不符")

    assert _names("面膜") == []
    assert _names("面") == []


def test_a_name_match_outranks_a_mention_in_the_description(make_product, merchant, merchant_staff):
    make_product(
        merchant_staff,
        merchant,
        name="洁面乳",
        category="masks",
        description="温和清洁，洗完后可搭配面膜使用，适合每天早晚使用，泡沫细腻。",
    )
    make_product(merchant_staff, merchant, name="补水保湿面膜10片")

    assert _names("面膜") == ["补水保湿面膜10片", "洁面乳"]


def test_featured_first_among_equally_good_matches(
    make_product, merchant, merchant_staff, platform_staff
):
    star = make_product(merchant_staff, merchant, name="补水面膜")
    make_product(merchant_staff, merchant, name="补水面膜")  # newer, but not featured
    services.set_product_flags(actor=platform_staff, product=star, is_featured=True)

    first = selectors.search_products("补水面膜").first()
    assert first == star


def test_renaming_updates_the_index(make_product, merchant, merchant_staff, platform_staff):
    product = make_product(merchant_staff, merchant, name="补水保湿面膜10片")
    services.update_product(actor=merchant_staff, product=product, name="竹炭清洁泥膜")
    services.review_product(actor=platform_staff, product=product, approve=True)

    assert _names("竹炭") == ["竹炭清洁泥膜"]
    assert _names("保湿") == []


def test_unknown_words_fall_back_to_the_name(make_product, merchant, merchant_staff):
    make_product(merchant_staff, merchant, name="ABC纸巾")

    assert _names("bc纸") == ["ABC纸巾"]


@pytest.mark.parametrize("query", ["", "   ", "\t"])
def test_blank_query_finds_nothing(make_product, merchant, merchant_staff, query):
    make_product(merchant_staff, merchant)
    assert _names(query) == []


def test_very_long_query_is_refused_on_the_q_field():
    with pytest.raises(ValidationFailed) as err:
        selectors.search_products("面" * 101)
    assert "q" in err.value.fields


@pytest.mark.parametrize(
    "query", ['"面膜', "面膜*", "a' OR 1=1 --", "NEAR(x y)", "面膜 AND", "c++"]
)
def test_query_syntax_characters_are_just_text(make_product, merchant, merchant_staff, query):
    make_product(merchant_staff, merchant)
    list(selectors.search_products(query))  # no database error


def test_reindex_all_rebuilds_every_product(make_product, merchant, merchant_staff):
    make_product(merchant_staff, merchant)
    make_product(merchant_staff, merchant, name="西湖龙井", category="tea")
    Product.objects.update(search_text="")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM catalog_product_fts")
    assert _names("茶叶") == []  # the category's name is only in the index

    assert services.reindex_all() == 2
    assert _names("茶叶") == ["西湖龙井"]


# --- what shoppers type (issue 15) ---------------------------------------------------------


@pytest.fixture
def shelf(make_product, merchant, merchant_staff, platform_staff):
    """A few goods under the categories a shopper names differently: snacks under 休闲食品 >
    糕点, tea under 食品饮料 > 茶叶."""
    snacks = services.create_category(actor=platform_staff, name="休闲食品", slug="snacks")
    pastry = services.create_category(
        actor=platform_staff, name="糕点", slug="pastry", parent=snacks
    )

    def make(name, category="masks", **kwargs):
        if category == "pastry":
            product = services.create_product(
                actor=merchant_staff,
                owner=merchant,
                category=pastry,
                name=name,
                skus=[{"code": f"P-{name}", "name": "单件", "price": "12.00"}],
            )
            services.submit_product(actor=merchant_staff, product=product)
            services.review_product(actor=platform_staff, product=product, approve=True)
            return product
        return make_product(merchant_staff, merchant, name=name, category=category, **kwargs)

    make("定胜糕6只装", category="pastry")
    make("西湖龙井250g", category="tea")
    make("补水保湿面膜10片")
    make("氨基酸洁面乳120g")
    return make


@pytest.mark.parametrize(
    "query, expected",
    [
        ("零食", ["定胜糕6只装"]),  # synonym of the parent category 休闲食品
        ("小吃", ["定胜糕6只装"]),
        ("休闲食品", ["定胜糕6只装"]),  # a parent category's name finds its leaves' goods
        ("茶", ["西湖龙井250g"]),
        ("茶叶", ["西湖龙井250g"]),
        ("面 膜", ["补水保湿面膜10片"]),  # spaces and punctuation are ignored
        ("面，膜！", ["补水保湿面膜10片"]),
        ("mianmo", ["补水保湿面膜10片"]),  # pinyin
        ("mian mo", ["补水保湿面膜10片"]),
        ("MianMo", ["补水保湿面膜10片"]),
        ("mm", ["补水保湿面膜10片"]),  # initials
        ("bsbs", ["补水保湿面膜10片"]),
        ("baoshimianmo", ["补水保湿面膜10片"]),
        ("longjing", ["西湖龙井250g"]),
        ("mask", ["补水保湿面膜10片"]),  # English keywords for the English UI
        ("Masks", ["补水保湿面膜10片"]),
        ("face mask", ["补水保湿面膜10片"]),
        ("cleanser", ["氨基酸洁面乳120g"]),
        ("洗面奶", ["氨基酸洁面乳120g"]),
        ("green tea", ["西湖龙井250g"]),
    ],
)
def test_search_finds_what_shoppers_type(shelf, query, expected):
    assert _names(query) == expected


@pytest.mark.parametrize(
    "query, name, other",
    [
        # jieba cuts the name differently from the query, and another product matches the
        # query's words, so full text alone finds something and misses the name
        ("水保湿", "补水保湿面膜10片", "水润保湿乳液"),
        ("65W充电器", "PD65W充电器", "65W快充充电器"),
        ("Type-C数据线", "USBType-C数据线1米", "绿联Type-C数据线"),
        ("iPhone 15", "适用iPhone 15 Pro手机壳", "iPhone 15Pro钢化膜"),
        ("保湿面", "积雪草保湿面霜", "保湿面膜"),
        ("霜", "积雪草保湿面霜", "防晒霜SPF50"),
        ("c", "USBType-C数据线1米", "C口转接头"),
    ],
)
def test_every_name_containing_the_query_is_found(
    make_product, merchant, merchant_staff, query, name, other
):
    make_product(merchant_staff, merchant, name=name)
    make_product(merchant_staff, merchant, name=other)
    make_product(merchant_staff, merchant, name="西湖龙井", category="tea")

    assert name in _names(query)


@pytest.mark.parametrize("query", ["!!!", "，。、", " - ", "***", "'&|!():*", "\\"])
def test_a_query_of_only_punctuation_is_refused_on_the_q_field(query):
    with pytest.raises(ValidationFailed) as err:
        selectors.search_products(query)
    assert "q" in err.value.fields


@pytest.mark.sqlite
def test_sqlite_reads_the_full_text_index_once_rather_than_once_per_product(
    make_product, merchant, merchant_staff
):
    """Probed per product row, the index ran the whole MATCH again for each one: seconds for
    a count at a few thousand products."""
    make_product(merchant_staff, merchant)
    with CaptureQueriesContext(connection) as queries:
        selectors.search_products("Type-C数据线").count()  # the API's count, unordered
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {queries.captured_queries[-1]['sql']}")
        plan = [row[-1] for row in cursor.fetchall()]

    assert plan[0].startswith("SCAN catalog_product_fts VIRTUAL TABLE"), plan
    assert "SEARCH catalog_product USING INTEGER PRIMARY KEY" in plan[1], plan


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["霜", "c", "面膜", "mianmo", "Type-C数据线"])
def test_postgresql_answers_every_query_from_an_index(query):
    """One-character queries scanned every row, twice (count and page), through
    `ILIKE … OR similarity() >= 0.3`, which no index serves; the search condition now
    always can be answered from the stored vector's GIN index."""
    tsquery = search._tsquery(search.parse(query))
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a sequential scan only if no index can
        cursor.execute(
            "EXPLAIN SELECT count(*) FROM catalog_product "
            "WHERE search_vector @@ to_tsquery('simple', %s)",
            [tsquery],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Bitmap Index Scan on catalog_product_search_vector" in plan, plan


def test_a_one_character_query_lists_every_match_in_listing_order(
    make_product, merchant, merchant_staff
):
    """Ranking the matches of one character meant reading all of them (24,000 for 茶 at
    100,000 products); they are listed as the catalogue is, featured first, then newest."""
    make_product(merchant_staff, merchant, name="补水面霜")
    make_product(merchant_staff, merchant, name="保湿乳液", description="霜降时节的补水之选")
    featured = make_product(merchant_staff, merchant, name="防晒霜SPF50")
    Product.objects.filter(pk=featured.pk).update(is_featured=True)

    assert _names("霜") == ["防晒霜SPF50", "保湿乳液", "补水面霜"]
    assert [p.name for p in selectors.search_products("霜", sort="price")] == [
        "防晒霜SPF50",
        "保湿乳液",
        "补水面霜",
    ]  # equal prices: newest first


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # tiny tables: force what can
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_a_one_character_page_walks_an_index_in_listing_order(
    make_product, merchant, merchant_staff, sort
):
    """The page of a one-character query is read by walking the listing's index until 20
    rows match, with no sort of every match."""
    make_product(merchant_staff, merchant, name="补水面霜")
    sql, params = selectors.search_products("霜", sort=sort)[:20].query.sql_with_params()
    plan = _plan(sql, params)

    index = "catalog_product_listing" if sort == "relevance" else "catalog_product_newest"
    assert index in plan, plan
    assert "Sort" not in plan and "TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_a_search_counts_up_to_the_cap_and_says_more(
    make_product, merchant, merchant_staff, monkeypatch, client
):
    """Counting every match read every matching row; a search counts as far as the cap, or
    the end of the page asked for, and says when more match."""
    monkeypatch.setattr(selectors, "SEARCH_COUNT_CAP", 2)
    for name in ("补水面霜", "防晒霜SPF50", "眼霜15g"):
        make_product(merchant_staff, merchant, name=name)

    assert selectors.count_matches(selectors.search_products("霜")) == (2, False)
    assert selectors.count_matches(selectors.search_products("眼霜")) == (1, True)
    assert selectors.count_matches(selectors.search_products("霜"), at_least=3) == (3, True)
    body = client.get("/api/catalog/products", {"q": "霜", "page_size": 1}).json()
    assert (body["count"], body["count_exact"], body["pages"]) == (2, False, 3)
    assert len(body["items"]) == 1
    last = client.get("/api/catalog/products", {"q": "霜", "page_size": 1, "page": 3}).json()
    assert (last["count"], last["count_exact"], len(last["items"])) == (3, True, 1)
    exact = client.get("/api/catalog/products", {"q": "眼霜"}).json()
    assert (exact["count"], exact["count_exact"], exact["pages"]) == (1, True, 1)


@pytest.mark.parametrize("query", ["霜", "c"])
def test_a_one_character_query_does_not_score_every_match(
    make_product, merchant, merchant_staff, query
):
    """Scoring each of thousands of matches against its index text (ts_rank, bm25) took
    half a second at 100,000 products on PostgreSQL; one character is ranked by whether the
    name holds it, read from the row."""
    make_product(merchant_staff, merchant, name="补水面霜Type-C")
    with CaptureQueriesContext(connection) as queries:
        list(selectors.search_products(query)[:20])
    sql = queries.captured_queries[-1]["sql"]

    assert "ts_rank" not in sql and "bm25" not in sql, sql


@pytest.mark.postgres
def test_a_typo_finds_the_names_that_look_like_it_with_no_query_to_tell(
    make_product, merchant, merchant_staff, client
):
    """面模 for 面膜: nothing matches the words, so the page shows the names that look like
    the query (pg_trgm): the page's own count tells it nothing matched, so a search that
    finds something asks nothing before its count."""
    make_product(merchant_staff, merchant, name="玻尿酸补水面膜")
    make_product(merchant_staff, merchant, name="西湖龙井")

    typo = client.get("/search/?q=玻尿酸补水面模").content.decode()
    found, count, exact = selectors.counted_search("玻尿酸补水面模")

    assert "玻尿酸补水面膜" in typo and "西湖龙井" not in typo
    assert ([p.name for p in found], count, exact) == (["玻尿酸补水面膜"], 1, True)
    assert _names("玻尿酸补水面模") == ["玻尿酸补水面膜"]  # the API's suggestions too
    with CaptureQueriesContext(connection) as ran:  # the count only: no exists() before it
        found, count, exact = selectors.counted_search("面膜")
    assert len(ran.captured_queries) == 1, [q["sql"] for q in ran.captured_queries]
    assert ([p.name for p in found], count) == (["玻尿酸补水面膜"], 1)
