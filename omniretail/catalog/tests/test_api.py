import pytest

from omniretail.catalog import services
from omniretail.catalog.models import Product, ProductImage

pytestmark = pytest.mark.django_db

BASE = "/api/catalog"


def _new_product_body(owner, **overrides) -> dict:
    body = {
        "owner": owner.public_id,
        "category": "face-care",
        "name": "补水保湿面膜10片",
        "subtitle": "玻尿酸精华",
        "skus": [
            {"code": "API-1", "name": "10片装", "price": "59.90"},
            {"code": "API-2", "name": "5片装", "price": 32},
        ],
        "images": ["/static/web/img/mask.jpg"],
    }
    return {**body, **overrides}


# --- public -------------------------------------------------------------------------------


def test_public_list_and_detail_show_approved_products_with_money_as_strings(
    api_client, make_product, merchant, merchant_staff
):
    product = make_product(merchant_staff, merchant, price="19.90")
    make_product(merchant_staff, merchant, name="草稿面膜", approve=False)

    listing = api_client().get(f"{BASE}/products")
    detail = api_client().get(f"{BASE}/products/{product.public_id}")

    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == product.public_id
    assert body["items"][0]["price"] == "19.90"
    assert detail.status_code == 200
    assert detail.json()["skus"][0]["price"] == "19.90"
    assert detail.json()["category"]["slug"] == "face-care"


def test_search_and_category_filters(api_client, make_product, merchant, merchant_staff):
    make_product(merchant_staff, merchant, name="补水保湿面膜10片")
    make_product(merchant_staff, merchant, name="西湖龙井", category="tea")

    found = api_client().get(f"{BASE}/products", {"q": "面膜"}).json()
    food = api_client().get(f"{BASE}/products", {"category": "food"}).json()
    both = api_client().get(f"{BASE}/products", {"q": "面膜", "category": "food"}).json()

    assert [p["name"] for p in found["items"]] == ["补水保湿面膜10片"]
    assert [p["name"] for p in food["items"]] == ["西湖龙井"]
    assert both["count"] == 0


def test_category_tree_lists_children_and_counts(
    api_client, make_product, merchant, merchant_staff
):
    make_product(merchant_staff, merchant)

    tree = api_client().get(f"{BASE}/categories").json()

    beauty = next(c for c in tree if c["slug"] == "beauty")
    assert beauty["product_count"] == 1
    assert [c["slug"] for c in beauty["children"]] == ["face-care"]


def test_pagination(api_client, make_product, merchant, merchant_staff):
    for i in range(3):
        make_product(merchant_staff, merchant, name=f"面膜{i}")

    page2 = api_client().get(f"{BASE}/products", {"page": 2, "page_size": 2}).json()
    beyond = api_client().get(f"{BASE}/products", {"page": 9, "page_size": 2}).json()

    assert (page2["count"], page2["pages"], len(page2["items"])) == (3, 2, 1)
    assert beyond["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "abc"}, "page"),
        ({"page": 0}, "page"),
        ({"page_size": 100_000}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"featured": "maybe"}, "featured"),
        ({"q": "面" * 101}, "q"),
        ({"q": "面" * 500}, "q"),
        ({"q": "！？……"}, "q"),  # nothing to search for: a message on q, not an empty page
    ],
)
def test_bad_list_parameters_are_422_naming_the_field(categories, api_client, params, field):
    resp = api_client().get(f"{BASE}/products", params)
    assert resp.status_code == 422
    assert field in resp.json()["error"]["fields"]


def test_unknown_product_and_category_are_404(
    categories, api_client, make_product, merchant, merchant_staff
):
    draft = make_product(merchant_staff, merchant, approve=False)
    assert api_client().get(f"{BASE}/products/01nosuchproduct0000000000").status_code == 404
    assert api_client().get(f"{BASE}/products/{draft.public_id}").status_code == 404
    assert api_client().get(f"{BASE}/products", {"category": "nope"}).status_code == 404


def test_product_list_query_count_does_not_grow_with_products(
    api_client, make_product, merchant, merchant_staff, django_assert_max_num_queries
):
    for i in range(20):
        product = make_product(
            merchant_staff,
            merchant,
            name=f"补水面膜{i}",
            skus=[
                {"code": f"Q{i}-1", "name": "单件", "price": "10.00"},
                {"code": f"Q{i}-2", "name": "两件", "price": "19.00"},
            ],
        )
        ProductImage.objects.create(product=product, url=f"/static/p{i}.jpg")
    client = api_client()

    with django_assert_max_num_queries(3):
        listing = client.get(f"{BASE}/products", {"page_size": 20})
    with django_assert_max_num_queries(5):
        found = client.get(f"{BASE}/products", {"q": "补水面膜", "page_size": 20})

    assert len(listing.json()["items"]) == 20
    assert all(item["image"] for item in listing.json()["items"])
    assert found.json()["count"] == 20


# --- staff --------------------------------------------------------------------------------


def test_merchant_lists_submits_and_platform_approves_through_the_api(
    api_client, categories, merchant, merchant_staff, platform_staff
):
    staff = api_client(merchant_staff)
    created = staff.post(f"{BASE}/manage/products", _new_product_body(merchant))
    assert created.status_code == 201, created.content
    product = created.json()
    assert (product["status"], product["price"]) == ("draft", "32.00")

    submitted = staff.post(f"{BASE}/manage/products/{product['id']}/submit")
    assert submitted.json()["status"] == "submitted"
    refused = staff.post(f"{BASE}/manage/products/{product['id']}/review", {"approve": True})
    assert refused.status_code == 403
    approved = api_client(platform_staff).post(
        f"{BASE}/manage/products/{product['id']}/review", {"approve": True}
    )
    assert approved.json()["status"] == "approved"
    assert api_client().get(f"{BASE}/products/{product['id']}").status_code == 200


def test_submitting_twice_is_409(api_client, make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, approve=False)
    staff = api_client(merchant_staff)
    assert staff.post(f"{BASE}/manage/products/{product.public_id}/submit").status_code == 200
    again = staff.post(f"{BASE}/manage/products/{product.public_id}/submit")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "illegal_transition"


@pytest.mark.parametrize(
    ("sku_price", "field"),
    [
        ("-5", "skus.0.price"),
        (-5, "skus.0.price"),
        ("12.345", "skus.0.price"),
        ("x", "skus.0.price"),
    ],
)
def test_bad_price_on_create_is_422_and_nothing_is_written(
    api_client, categories, merchant, merchant_staff, sku_price, field
):
    body = _new_product_body(merchant, skus=[{"code": "N-1", "name": "单件", "price": sku_price}])
    resp = api_client(merchant_staff).post(f"{BASE}/manage/products", body)
    assert resp.status_code == 422
    assert field in resp.json()["error"]["fields"]
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"skus": []},
        {"name": ""},
        {"skus": "many"},
        {"category": "no-such-category"},
        {"images": ["javascript:alert(1)"]},
        {"compare_at_price": "-1"},
    ],
)
def test_malformed_product_bodies_are_422(api_client, categories, merchant, merchant_staff, body):
    resp = api_client(merchant_staff).post(
        f"{BASE}/manage/products", _new_product_body(merchant, **body)
    )
    assert resp.status_code == 422, resp.content
    assert resp.json()["error"]["fields"]
    assert not Product.objects.exists()


def test_json_number_price_is_read_as_its_digits(
    api_client, make_product, merchant, merchant_staff
):
    product = make_product(merchant_staff, merchant)
    sku = product.skus.get()
    resp = api_client(merchant_staff).patch(f"{BASE}/manage/skus/{sku.public_id}", {"price": 0.1})
    assert resp.status_code == 200
    assert resp.json()["price"] == "0.10"
    negative = api_client(merchant_staff).patch(
        f"{BASE}/manage/skus/{sku.public_id}", {"price": "-1"}
    )
    assert negative.status_code == 422
    assert "price" in negative.json()["error"]["fields"]


def test_add_sku_and_patch_product(api_client, make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, approve=False, price="20.00")
    staff = api_client(merchant_staff)

    added = staff.post(
        f"{BASE}/manage/products/{product.public_id}/skus",
        {"code": "ADD-9", "name": "体验装", "price": "5.50", "attributes": {"片数": 1}},
    )
    patched = staff.patch(
        f"{BASE}/manage/products/{product.public_id}",
        {"name": "玻尿酸面膜", "category": "beauty"},
    )

    assert added.status_code == 201
    assert patched.status_code == 200, patched.content
    assert patched.json()["price"] == "5.50"
    assert patched.json()["name"] == "玻尿酸面膜"
    assert patched.json()["category"]["slug"] == "beauty"


def test_another_merchants_products_are_404_through_the_api(
    api_client, make_product, merchant, merchant_staff, other_merchant_staff
):
    product = make_product(merchant_staff, merchant, approve=False)
    sku = product.skus.get()
    rival = api_client(other_merchant_staff)
    url = f"{BASE}/manage/products/{product.public_id}"

    assert rival.get(url).status_code == 404
    assert rival.patch(url, {"name": "被改了"}).status_code == 404
    assert rival.post(f"{url}/submit").status_code == 404
    assert rival.post(f"{url}/skus", {"code": "R-1", "name": "x", "price": "1"}).status_code == 404
    assert rival.patch(f"{BASE}/manage/skus/{sku.public_id}", {"price": "0.01"}).status_code == 404
    assert rival.get(f"{BASE}/manage/products").json()["count"] == 0
    assert rival.post(f"{BASE}/manage/products", _new_product_body(merchant)).status_code == 404
    product.refresh_from_db()
    assert (product.name, product.status, product.skus.get().price) == (
        "补水保湿面膜10片",
        "draft",
        sku.price,
    )


def test_manage_endpoints_need_a_login(api_client, categories):
    assert api_client().get(f"{BASE}/manage/products").status_code == 401


def test_only_the_platform_creates_categories(
    api_client, categories, platform_staff, merchant_staff
):
    body = {"name": "母婴", "slug": "baby", "parent": "beauty"}
    assert api_client(merchant_staff).post(f"{BASE}/manage/categories", body).status_code == 403
    created = api_client(platform_staff).post(f"{BASE}/manage/categories", body)
    assert created.status_code == 201
    duplicate = api_client(platform_staff).post(f"{BASE}/manage/categories", body)
    assert duplicate.status_code == 409


def test_platform_rejection_needs_a_reason(
    api_client, make_product, merchant, merchant_staff, platform_staff
):
    product = make_product(merchant_staff, merchant, approve=False)
    services.submit_product(actor=merchant_staff, product=product)
    url = f"{BASE}/manage/products/{product.public_id}/review"

    no_reason = api_client(platform_staff).post(url, {"approve": False})
    rejected = api_client(platform_staff).post(url, {"approve": False, "reason": "资质缺失"})

    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["error"]["fields"]
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "资质缺失"


def test_search_sorts_and_filters_by_brand_and_price(
    categories, api_client, make_product, producer, producer_staff
):
    brand = services.create_brand(actor=producer_staff, producer=producer, name="绿源")
    for price in ("30.00", "10.00", "20.00"):
        make_product(producer_staff, producer, name=f"补水面膜{price}", price=price, brand=brand)
    make_product(producer_staff, producer, name="无品牌面膜", price="15.00")

    def names(**params):
        resp = api_client().get(f"{BASE}/products", {"q": "面膜", **params})
        assert resp.status_code == 200, resp.content
        return [item["name"] for item in resp.json()["items"]]

    assert names(sort="price")[0] == "补水面膜10.00"
    assert names(sort="-price")[0] == "补水面膜30.00"
    assert names(sort="newest")[0] == "无品牌面膜"
    assert sorted(names(brand=brand.public_id, min_price="15", max_price="30.00")) == [
        "补水面膜20.00",
        "补水面膜30.00",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "cheapest"}, "sort"),
        ({"min_price": "1e3"}, "min_price"),
        ({"min_price": "-1"}, "min_price"),
        ({"min_price": "30", "max_price": "10"}, "max_price"),
        ({"brand": "01nosuchbrand000000000000"}, "brand"),
    ],
)
def test_bad_search_sort_or_filters_are_named(categories, api_client, params, field):
    resp = api_client().get(f"{BASE}/products", {"q": "面膜", **params})
    assert resp.status_code in (404, 422)
    assert field in resp.json()["error"]["fields"]
