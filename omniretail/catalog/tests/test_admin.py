import pytest
from django.db import connection

from omniretail.catalog.models import Product
from omniretail.conftest import admin_client_for

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/catalog/product/"


def test_merchant_staff_see_only_their_own_products_in_the_admin(
    make_product, merchant, merchant_staff, other_merchant, other_merchant_staff
):
    mine = make_product(merchant_staff, merchant, name="我的面膜")
    theirs = make_product(other_merchant_staff, other_merchant, name="别家面膜")
    client = admin_client_for(merchant_staff, "view_product", "change_product")

    listing = client.get(CHANGELIST)
    own = client.get(f"{CHANGELIST}{mine.pk}/change/")
    other = client.get(f"{CHANGELIST}{theirs.pk}/change/")
    post = client.post(f"{CHANGELIST}{theirs.pk}/change/", {"name": "被改了"})
    absent = client.get(f"{CHANGELIST}999999/change/")

    assert listing.status_code == 200
    assert "我的面膜" in listing.text
    assert "别家面膜" not in listing.text
    assert own.status_code == 200
    # another merchant's product is answered as one that does not exist: the admin's
    # "not found" redirect to its index, never a 403 that would tell it is there
    assert (other.status_code, other.url) == (absent.status_code, absent.url) == (302, "/admin/")
    assert (post.status_code, post.url) == (302, "/admin/")
    assert Product.objects.get(pk=theirs.pk).name == "别家面膜"


def test_platform_approves_from_the_admin_through_the_workflow(
    make_product, merchant, merchant_staff, platform_staff
):
    draft = make_product(merchant_staff, merchant, name="草稿面膜", approve=False)
    submitted = make_product(merchant_staff, merchant, name="待审面膜", approve=False)
    client = admin_client_for(platform_staff, "view_product", "change_product")
    client.post(
        CHANGELIST,
        {"action": "submit_selected", "_selected_action": [submitted.pk]},
    )

    client.post(
        CHANGELIST,
        {"action": "approve_selected", "_selected_action": [draft.pk, submitted.pk]},
    )

    draft.refresh_from_db()
    submitted.refresh_from_db()
    assert draft.status == Product.Status.DRAFT  # not submitted: refused, not skipped silently
    assert submitted.status == Product.Status.APPROVED
    assert submitted.reviewed_by == platform_staff


def test_merchant_staff_cannot_use_the_review_actions(make_product, merchant, merchant_staff):
    product = make_product(merchant_staff, merchant, approve=False)
    client = admin_client_for(merchant_staff, "view_product", "change_product")
    client.post(CHANGELIST, {"action": "submit_selected", "_selected_action": [product.pk]})

    resp = client.post(CHANGELIST, {"action": "approve_selected", "_selected_action": [product.pk]})

    product.refresh_from_db()
    assert product.status == Product.Status.SUBMITTED
    assert (resp.status_code, resp.url) == (302, CHANGELIST)  # back to the list, refused


def test_admin_pages_render_for_the_platform(
    make_product, merchant, merchant_staff, platform_staff
):
    product = make_product(merchant_staff, merchant)
    client = admin_client_for(platform_staff)
    platform_staff.is_superuser = True
    platform_staff.save()

    for url in [
        CHANGELIST,
        f"{CHANGELIST}{product.pk}/change/",
        "/admin/catalog/category/",
        "/admin/catalog/brand/",
        "/admin/catalog/sku/",
        "/admin/catalog/productimage/",
    ]:
        assert client.get(url).status_code == 200, url


@pytest.mark.sqlite  # PostgreSQL indexes the row itself
def test_deleting_a_product_in_the_admin_removes_its_fts_row(
    make_product, merchant, merchant_staff, platform_staff
):
    product = make_product(merchant_staff, merchant)
    platform_staff.is_superuser = True
    client = admin_client_for(platform_staff)

    client.post(f"{CHANGELIST}{product.pk}/delete/", {"post": "yes"})

    assert not Product.objects.filter(pk=product.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product_fts WHERE rowid = %s", [product.pk])
        assert cursor.fetchone()[0] == 0
