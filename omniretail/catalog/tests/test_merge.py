"""Merging duplicate listings (catalog.merge): a shopper's favourites, 足迹, reviews and cart
lines follow the kept product; orders stay on what was sold; the duplicate leaves the mall
and its page redirects; the undo puts every row back as it was; bad input changes nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.analytics import quality
from omniretail.catalog import duplicates, merge
from omniretail.catalog.models import Product, ProductMerge
from omniretail.conftest import make_staff
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from omniretail.inventory import services as inventory
from omniretail.orders import services as orders
from omniretail.orders.models import MAX_LINE_QUANTITY, CartLine, OrderLine
from omniretail.reviews import services as reviews
from omniretail.reviews.models import ProductReview
from omniretail.shopping import services as shopping
from omniretail.shopping.models import Favourite, ProductView

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(approved_product):
    """The same mask listed twice by the producer: the second typed in traditional script."""
    keep = approved_product("补水保湿面膜10片", "39.90")
    dup = approved_product("補水保濕面膜 10片", "39.90")
    return keep, dup


@pytest.fixture
def other_shopper(db):
    return User.objects.create(username="m13700000002", phone="13700000002")


@pytest.fixture
def sold(pair, store, store_location, merchant_staff, shopper):
    """The shopper bought the duplicate at the till and reviewed it."""
    _keep, dup = pair
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=dup, quantity=5)
    order = orders.ring_up_sale(
        staff=merchant_staff, store=store, lines=[(dup, 1)], shopper=shopper
    )
    reviews.write_review(
        shopper=shopper, order_id=order.public_id, sku_id=dup.public_id, rating=4, text="很好用"
    )
    return order


def _snapshot():
    return {
        "favourites": sorted(Favourite.objects.values_list("id", "user_id", "product_id")),
        "views": sorted(ProductView.objects.values_list("user_id", "product_id", "viewed_at")),
        "reviews": sorted(ProductReview.objects.values_list("id", "product_id", "sku_id")),
        "cart": sorted(CartLine.objects.values_list("cart_id", "sku_id", "quantity", "added_at")),
        "orders": sorted(OrderLine.objects.values_list("id", "sku_id", "quantity")),
        "products": sorted(Product.objects.values_list("id", "status")),
    }


def test_merge_moves_what_shoppers_made_of_the_duplicate_and_leaves_orders(
    pair, sold, shopper, other_shopper, platform_staff, client
):
    keep, dup = pair
    # the shopper liked and viewed both; the other shopper only the duplicate
    shopping.toggle_favourite(user=shopper, product=keep.product)
    shopping.toggle_favourite(user=shopper, product=dup.product)
    shopping.toggle_favourite(user=other_shopper, product=dup.product)
    shopping.record_view(user=shopper, product=keep.product)
    shopping.record_view(user=other_shopper, product=dup.product)
    cart = orders.cart_for(user=other_shopper)
    orders.add_to_cart(cart=cart, sku=dup, quantity=2)
    sold_line = OrderLine.objects.get(order=sold)

    record = merge.merge_listings(
        keep=keep.product.public_id, duplicate=dup.product.public_id, by=platform_staff
    )

    assert set(Favourite.objects.values_list("user_id", "product_id")) == {
        (shopper.pk, keep.product_id),
        (other_shopper.pk, keep.product_id),
    }
    assert set(ProductView.objects.values_list("user_id", "product_id")) == {
        (shopper.pk, keep.product_id),
        (other_shopper.pk, keep.product_id),
    }
    assert reviews.rating_of(keep.product)["count"] == 1
    assert [(line.sku_id, line.quantity) for line in cart.lines.all()] == [(keep.pk, 2)]
    sold_line.refresh_from_db()
    assert sold_line.sku_id == dup.pk  # the order still says what was sold
    assert ProductReview.objects.get().sku_id == dup.pk
    dup.product.refresh_from_db()
    assert dup.product.status == Product.Status.MERGED
    assert merge.counts(record)["shopping.favourite.product"] == 2
    # gone from the mall; its page takes the shopper to the kept product
    assert not Product.objects.filter(pk=dup.product_id, status="approved").exists()
    page = client.get(reverse("web:product", args=[dup.product.public_id]))
    assert page.status_code == 302
    assert page["Location"] == reverse("web:product", args=[keep.product.public_id])


def test_undo_puts_every_row_back_exactly(pair, sold, shopper, other_shopper, platform_staff):
    keep, dup = pair
    shopping.toggle_favourite(user=shopper, product=keep.product)
    shopping.toggle_favourite(user=shopper, product=dup.product)
    shopping.record_view(user=shopper, product=keep.product)
    shopping.record_view(user=shopper, product=dup.product)
    ProductView.objects.filter(product=keep.product).update(
        viewed_at=timezone.now() - timedelta(days=3)
    )
    cart = orders.cart_for(user=shopper)
    orders.add_to_cart(cart=cart, sku=keep, quantity=MAX_LINE_QUANTITY - 1)
    orders.add_to_cart(cart=cart, sku=dup, quantity=3)
    before = _snapshot()

    record = merge.merge_listings(
        keep=keep.product.public_id, duplicate=dup.product.public_id, by=platform_staff
    )
    # one line of the two, at most the cap; one history row at the later visit
    assert [(line.sku_id, line.quantity) for line in cart.lines.all()] == [
        (keep.pk, MAX_LINE_QUANTITY)
    ]
    [view] = ProductView.objects.all()
    assert view.viewed_at > timezone.now() - timedelta(days=1)
    merge.undo_merge(merge_id=record.public_id, by=platform_staff)

    assert _snapshot() == before
    with pytest.raises(Conflict) as again:
        merge.undo_merge(merge_id=record.public_id, by=platform_staff)
    assert again.value.code == "already_undone"
    assert _snapshot() == before


def test_cart_cap_is_the_orders_cap():
    assert merge.CART_LINE_MAX == MAX_LINE_QUANTITY


def test_every_relation_to_products_is_moved_or_kept_on_purpose():
    """A new table pointing at Product or Sku must say what a merge does with its rows."""
    assert set(merge.relations()) == set(merge.POLICY)


def test_sku_map_pairs_equivalent_specs(producer_staff, producer, tea):
    from omniretail.catalog import services as catalog

    def listed(name, skus):
        return catalog.create_product(
            actor=producer_staff,
            owner=producer,
            category=tea,
            name=name,
            skus=skus,
        )

    keep = listed(
        "西湖龙井",
        [
            {"code": "K1", "name": "500ml", "price": "10.00"},
            {"code": "K2", "name": "1.5L", "price": "20.00"},
        ],
    )
    dup = listed(
        "西湖龍井",
        [
            {"code": "D1", "name": "0.5L", "price": "10.00"},
            {"code": "D2", "name": "礼盒", "price": "30.00"},
        ],
    )
    found = merge.sku_map(duplicate=dup, keep=keep)
    assert found == {str(dup.skus.get(code="D1").pk): keep.skus.get(code="K1").pk}


@pytest.fixture
def tea(platform_staff):
    from omniretail.catalog import services as catalog

    return catalog.create_category(actor=platform_staff, name="茶叶", slug="merge-tea")


def test_merging_again_is_409_and_changes_nothing(pair, shopper, platform_staff):
    keep, dup = pair
    shopping.toggle_favourite(user=shopper, product=dup.product)
    record = merge.merge_listings(
        keep=keep.product.public_id, duplicate=dup.product.public_id, by=platform_staff
    )
    before = _snapshot()
    for k, d in ((keep, dup), (dup, keep)):
        with pytest.raises((Conflict, ValidationFailed)) as refused:
            merge.merge_listings(
                keep=k.product.public_id, duplicate=d.product.public_id, by=platform_staff
            )
        assert refused.value.status in (409, 422)
    assert refused.value.fields == {"keep": [refused.value.message]}
    with pytest.raises(Conflict) as again:
        merge.merge_listings(
            keep=keep.product.public_id, duplicate=dup.product.public_id, by=platform_staff
        )
    assert again.value.code == "already_merged"
    assert again.value.details == {"merge": record.public_id}
    assert _snapshot() == before
    assert ProductMerge.objects.count() == 1


def test_bad_merges_are_refused_and_change_nothing(
    pair, approved_product, shopper, platform_staff, producer_staff, other_merchant_staff
):
    keep, dup = pair
    shopping.toggle_favourite(user=shopper, product=dup.product)
    before = _snapshot()
    ids = {"keep": keep.product.public_id, "duplicate": dup.product.public_id}

    with pytest.raises(ValidationFailed) as itself:
        merge.merge_listings(keep=ids["keep"], duplicate=ids["keep"], by=platform_staff)
    assert itself.value.fields == {"duplicate": ["不能把商品与自己合并。"]}
    with pytest.raises(ValidationFailed) as unknown:
        merge.merge_listings(keep="01NOSUCHPRODUCT", duplicate=ids["duplicate"], by=platform_staff)
    assert "keep" in unknown.value.fields
    with pytest.raises(PermissionDenied):
        merge.merge_listings(**ids, by=producer_staff)
    with pytest.raises(NotFound):
        merge.undo_merge(merge_id="01NOSUCHMERGE", by=platform_staff)
    assert _snapshot() == before
    assert not ProductMerge.objects.exists()


def test_goods_of_another_owner_need_confirmation(pair, merchant, merchant_staff, platform_staff):
    from omniretail.catalog import services as catalog

    keep, _dup = pair
    theirs = catalog.create_product(
        actor=merchant_staff,
        owner=merchant,
        category=keep.product.category,
        name="补水保湿面膜10片",
        skus=[{"code": "M-1", "name": "单件", "price": "35.00"}],
    )
    with pytest.raises(Conflict) as refused:
        merge.merge_listings(
            keep=keep.product.public_id, duplicate=theirs.public_id, by=platform_staff
        )
    assert refused.value.code == "confirm_required"
    theirs.refresh_from_db()
    assert theirs.status == Product.Status.DRAFT

    record = merge.merge_listings(
        keep=keep.product.public_id, duplicate=theirs.public_id, by=platform_staff, confirm=True
    )
    assert record.status_before == Product.Status.DRAFT


def test_undo_waits_for_a_later_merge_of_the_kept_product(approved_product, platform_staff):
    a = approved_product("补水保湿面膜10片").product
    b = approved_product("補水保濕面膜10片").product
    c = approved_product("补水 保湿 面膜 10片").product
    first = merge.merge_listings(keep=b.public_id, duplicate=c.public_id, by=platform_staff)
    second = merge.merge_listings(keep=a.public_id, duplicate=b.public_id, by=platform_staff)
    assert merge.merged_into(c.public_id) == a

    with pytest.raises(Conflict) as refused:
        merge.undo_merge(merge_id=first.public_id, by=platform_staff)
    assert refused.value.code == "merged_since"
    merge.undo_merge(merge_id=second.public_id, by=platform_staff)
    merge.undo_merge(merge_id=first.public_id, by=platform_staff)
    assert set(Product.objects.values_list("status", flat=True)) == {Product.Status.APPROVED}


BASE = "/api/catalog/manage/merges"


def test_api_merges_lists_and_undoes(pair, shopper, platform_staff, producer_staff, api_client):
    keep, dup = pair
    shopping.toggle_favourite(user=shopper, product=dup.product)
    body = {"keep": keep.product.public_id, "duplicate": dup.product.public_id}
    ops = api_client(platform_staff)

    assert api_client(producer_staff).post(BASE, body).status_code == 403
    assert api_client(producer_staff).get(BASE).status_code == 403
    made = ops.post(BASE, body)
    assert made.status_code == 201, made.json()
    out = made.json()
    assert out["duplicate"]["status"] == "merged" and out["status_before"] == "approved"
    assert out["moved"]["shopping.favourite.product"] == 1
    assert out["sku_map"] == {dup.public_id: keep.public_id}
    again = ops.post(BASE, body)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_merged"
    assert [m["id"] for m in ops.get(BASE).json()["items"]] == [out["id"]]

    undone = ops.post(f"{BASE}/{out['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert Favourite.objects.get().product_id == dup.product_id
    twice = ops.post(f"{BASE}/{out['id']}/undo")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_undone"
    itself = ops.post(BASE, {"keep": body["keep"], "duplicate": body["keep"]})
    assert itself.status_code == 422 and "duplicate" in itself.json()["error"]["fields"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_operators_merging_one_pair_at_once_merge_it_once(
    pair, shopper, other_shopper, platform, platform_staff, race
):
    keep, dup = pair
    second = make_staff(platform, "ops2")
    for user in (shopper, other_shopper):
        shopping.toggle_favourite(user=user, product=dup.product)
    shopping.toggle_favourite(user=shopper, product=keep.product)
    cart = orders.cart_for(user=shopper)
    orders.add_to_cart(cart=cart, sku=dup, quantity=2)
    orders.add_to_cart(cart=cart, sku=keep, quantity=1)
    # one merges A into B while the other merges B into A, and the same pair again
    ids = [
        (keep.product.public_id, dup.product.public_id, platform_staff),
        (keep.product.public_id, dup.product.public_id, second),
        (dup.product.public_id, keep.product.public_id, second),
    ]
    outcomes = race(
        3, lambda i: merge.merge_listings(keep=ids[i][0], duplicate=ids[i][1], by=ids[i][2])
    )

    merged = [o for o in outcomes if isinstance(o, ProductMerge)]
    refused = [o for o in outcomes if not isinstance(o, ProductMerge)]
    assert len(merged) == 1, outcomes
    assert all(isinstance(o, Conflict | ValidationFailed) for o in refused), outcomes
    assert ProductMerge.objects.count() == 1
    kept = merged[0].keep
    assert Favourite.objects.filter(product=kept).count() == 2
    assert list(CartLine.objects.filter(cart=cart).values_list("quantity", flat=True)) == [3]
    assert Product.objects.filter(status=Product.Status.MERGED).count() == 1


def test_a_merged_listing_is_no_longer_reported_as_a_duplicate(pair, platform_staff, producer):
    keep, dup = pair
    assert len(quality.duplicate_products()) == 1
    merge.merge_listings(
        keep=keep.product.public_id, duplicate=dup.product.public_id, by=platform_staff
    )
    assert quality.duplicate_products() == []
    found = duplicates.find(owner=producer, brand=None, name="补水保湿面膜 10片")
    assert found == [keep.product]


def test_the_public_api_points_a_merged_product_to_the_kept_one(
    approved_product, platform_staff, api_client
):
    a, b, c = (approved_product(name).product for name in ("面膜", "面膜 10片", "面膜十片"))
    merge.merge_listings(keep=b.public_id, duplicate=c.public_id, by=platform_staff)
    merge.merge_listings(keep=a.public_id, duplicate=b.public_id, by=platform_staff)

    answer = api_client().get(f"/api/catalog/products/{c.public_id}")

    assert answer.status_code == 404
    error = answer.json()["error"]
    assert error["code"] == "merged"
    assert error["details"] == {"merged_into": a.public_id}  # the end of the chain
    assert api_client().get(f"/api/catalog/products/{a.public_id}").status_code == 200
    unknown = api_client().get("/api/catalog/products/01NOSUCHPRODUCT").json()["error"]
    assert unknown["code"] == "not_found" and "details" not in unknown
