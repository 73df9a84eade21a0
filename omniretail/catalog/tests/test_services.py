from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from omniretail.catalog import selectors, services
from omniretail.catalog.models import Product, Sku
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def _status(product) -> str:
    product.refresh_from_db()
    return product.status


def test_new_product_is_a_draft_priced_at_its_cheapest_sku(make_product, merchant, merchant_staff):
    product = make_product(
        merchant_staff,
        merchant,
        approve=False,
        skus=[
            {"code": "M-10", "name": "10片装", "price": "59.00"},
            {"code": "M-5", "name": "5片装", "price": 32},
        ],
        images=["/static/img/mask.jpg", "https://cdn.example.com/mask-2.jpg"],
    )
    assert product.status == Product.Status.DRAFT
    assert product.price == Decimal("32.00")
    assert [i.url for i in product.images.all()] == [
        "/static/img/mask.jpg",
        "https://cdn.example.com/mask-2.jpg",
    ]
    with pytest.raises(NotFound):
        selectors.public_product(product.public_id)


def test_full_review_workflow_makes_the_product_public(
    make_product, merchant, merchant_staff, platform_staff
):
    product = make_product(merchant_staff, merchant, approve=False)

    services.submit_product(actor=merchant_staff, product=product)
    assert _status(product) == Product.Status.SUBMITTED
    services.review_product(actor=platform_staff, product=product, approve=True)

    assert _status(product) == Product.Status.APPROVED
    assert product.reviewed_by == platform_staff
    assert selectors.public_product(product.public_id) == product


def test_rejection_needs_a_reason_and_the_owner_can_resubmit(
    make_product, merchant, merchant_staff, platform_staff
):
    product = make_product(merchant_staff, merchant, approve=False)
    services.submit_product(actor=merchant_staff, product=product)

    with pytest.raises(ValidationFailed) as err:
        services.review_product(actor=platform_staff, product=product, approve=False)
    assert "reason" in err.value.fields
    assert _status(product) == Product.Status.SUBMITTED

    services.review_product(
        actor=platform_staff, product=product, approve=False, reason="图片不清晰"
    )
    assert _status(product) == Product.Status.REJECTED
    assert product.rejection_reason == "图片不清晰"

    services.submit_product(actor=merchant_staff, product=product)
    assert _status(product) == Product.Status.SUBMITTED
    assert product.rejection_reason == ""


@pytest.mark.parametrize("start", ["draft", "approved"])
def test_reviewing_a_product_that_is_not_submitted_is_an_illegal_transition(
    make_product, merchant, merchant_staff, platform_staff, start
):
    product = make_product(merchant_staff, merchant, approve=start == "approved")
    with pytest.raises(Conflict) as err:
        services.review_product(actor=platform_staff, product=product, approve=True)
    assert err.value.code == "illegal_transition"
    assert _status(product) == start


def test_submitting_twice_is_an_illegal_transition(make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, approve=False)
    services.submit_product(actor=merchant_staff, product=product)
    with pytest.raises(Conflict) as err:
        services.submit_product(actor=merchant_staff, product=product)
    assert err.value.code == "illegal_transition"


def test_only_the_platform_reviews_and_flags(make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, approve=False)
    services.submit_product(actor=merchant_staff, product=product)
    with pytest.raises(PermissionDenied):
        services.review_product(actor=merchant_staff, product=product, approve=True)
    with pytest.raises(PermissionDenied):
        services.set_product_flags(actor=merchant_staff, product=product, is_featured=True)
    assert _status(product) == Product.Status.SUBMITTED
    assert product.is_featured is False


def test_staff_cannot_list_or_edit_for_another_merchant(
    make_product, categories, merchant, merchant_staff, other_merchant_staff
):
    with pytest.raises(PermissionDenied):
        services.create_product(
            actor=other_merchant_staff,
            owner=merchant,
            category=categories["masks"],
            name="冒名商品",
            skus=[{"code": "X-1", "name": "单件", "price": "1.00"}],
        )
    product = make_product(merchant_staff, merchant, approve=False)
    with pytest.raises(PermissionDenied):
        services.update_product(actor=other_merchant_staff, product=product, name="改名")
    with pytest.raises(PermissionDenied):
        services.set_sku_price(actor=other_merchant_staff, sku=product.skus.get(), price="0.01")
    assert Product.objects.get(pk=product.pk).name == "补水保湿面膜10片"


@pytest.mark.parametrize(
    ("price", "message_field"),
    [("-1", "skus.0.price"), ("abc", "skus.0.price"), ("1.999", "skus.0.price")],
)
def test_bad_sku_price_is_refused_and_nothing_is_written(
    categories, merchant, merchant_staff, price, message_field
):
    with pytest.raises(ValidationFailed) as err:
        services.create_product(
            actor=merchant_staff,
            owner=merchant,
            category=categories["masks"],
            name="面膜",
            skus=[{"code": "B-1", "name": "单件", "price": price}],
        )
    assert message_field in err.value.fields
    assert not Product.objects.exists()


def test_float_prices_are_refused(categories, merchant, merchant_staff):
    with pytest.raises(ValidationFailed):
        services.create_product(
            actor=merchant_staff,
            owner=merchant,
            category=categories["masks"],
            name="面膜",
            skus=[{"code": "F-1", "name": "单件", "price": 0.1}],
        )


def test_product_needs_at_least_one_sku(categories, merchant, merchant_staff):
    with pytest.raises(ValidationFailed) as err:
        services.create_product(
            actor=merchant_staff,
            owner=merchant,
            category=categories["masks"],
            name="面膜",
            skus=[],
        )
    assert "skus" in err.value.fields


def test_negative_price_is_also_refused_by_the_database(make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, approve=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Sku.objects.filter(product=product).update(price=Decimal("-1"))


def test_sku_price_changes_move_the_product_price(make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, price="20.00")
    cheap = services.add_sku(
        actor=merchant_staff, product=product, code="ADD-1", name="体验装", price="9.90"
    )
    product.refresh_from_db()
    assert product.price == Decimal("9.90")

    services.set_sku_price(actor=merchant_staff, sku=cheap, price="25")
    product.refresh_from_db()
    assert product.price == Decimal("20.00")
    assert product.status == Product.Status.APPROVED  # a price change needs no new review

    with pytest.raises(ValidationFailed) as err:
        services.set_sku_price(actor=merchant_staff, sku=cheap, price="-0.01")
    assert "price" in err.value.fields


def test_duplicate_sku_code_is_a_conflict_on_the_field(make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, approve=False)
    code = product.skus.get().code
    with pytest.raises(Conflict) as err:
        services.add_sku(actor=merchant_staff, product=product, code=code, name="再来", price=1)
    assert "skus.0.code" in err.value.fields


def test_editing_an_approved_products_text_sends_it_back_to_review(
    make_product, merchant, merchant_staff
):
    product = make_product(merchant_staff, merchant)
    services.update_product(actor=merchant_staff, product=product, compare_at_price="39.00")
    assert _status(product) == Product.Status.APPROVED

    services.update_product(actor=merchant_staff, product=product, name="玻尿酸补水面膜")

    assert _status(product) == Product.Status.SUBMITTED
    with pytest.raises(NotFound):
        selectors.public_product(product.public_id)


def test_a_product_under_review_cannot_be_edited(make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, approve=False)
    services.submit_product(actor=merchant_staff, product=product)
    with pytest.raises(Conflict):
        services.update_product(actor=merchant_staff, product=product, name="偷偷改名")


def test_unknown_fields_are_refused(make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, approve=False)
    with pytest.raises(ValidationFailed) as err:
        services.update_product(actor=merchant_staff, product=product, status="approved")
    assert "status" in err.value.fields
    assert _status(product) == Product.Status.DRAFT


def test_only_the_platform_creates_categories_and_slugs_are_unique(
    categories, platform_staff, merchant_staff
):
    with pytest.raises(PermissionDenied):
        services.create_category(actor=merchant_staff, name="新分类", slug="new")
    with pytest.raises(Conflict) as err:
        services.create_category(actor=platform_staff, name="重复", slug="beauty")
    assert "slug" in err.value.fields


def test_brands_belong_to_producers(producer, producer_staff, merchant, merchant_staff):
    brand = services.create_brand(actor=producer_staff, producer=producer, name="绿源")
    assert brand.producer == producer
    with pytest.raises(ValidationFailed):
        services.create_brand(actor=merchant_staff, producer=merchant, name="冒牌")
    with pytest.raises(PermissionDenied):
        services.create_brand(actor=merchant_staff, producer=producer, name="冒牌")


def test_category_tree_counts_approved_products_below_each_node(
    make_product, merchant, merchant_staff
):
    make_product(merchant_staff, merchant)
    make_product(merchant_staff, merchant, name="草稿面膜", approve=False)
    make_product(merchant_staff, merchant, name="西湖龙井", category="tea")

    tree = {root.slug: root for root in selectors.category_tree()}

    assert tree["beauty"].product_count == 1
    assert [c.slug for c in tree["beauty"].children_list] == ["face-care"]
    assert tree["beauty"].children_list[0].product_count == 1
    assert tree["food"].product_count == 1


def test_public_products_of_a_category_include_its_subcategories_featured_first(
    make_product, merchant, merchant_staff, platform_staff, categories
):
    star = make_product(merchant_staff, merchant, name="明星面膜")
    plain = make_product(merchant_staff, merchant, name="普通面膜")  # newer, not featured
    make_product(merchant_staff, merchant, name="西湖龙井", category="tea")
    services.set_product_flags(actor=platform_staff, product=star, is_featured=True)

    listed = list(selectors.public_products(category=categories["beauty"]))

    assert listed == [star, plain]
    assert list(selectors.public_products(featured=True)) == [star]


def test_products_for_actor_is_scoped_to_the_users_organisations(
    make_product, merchant, merchant_staff, other_merchant, other_merchant_staff, platform_staff
):
    mine = make_product(merchant_staff, merchant)
    theirs = make_product(other_merchant_staff, other_merchant, name="别家面膜")

    assert list(selectors.products_for_actor(merchant_staff)) == [mine]
    assert set(selectors.products_for_actor(platform_staff)) == {mine, theirs}
    with pytest.raises(NotFound):
        selectors.product_for_actor(merchant_staff, theirs.public_id)
