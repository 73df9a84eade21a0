"""/ops/analytics/quality/goods/: the platform sees goods listed twice, opens 合并 to see both
listings side by side with what would move, merges, and undoes it from the merge records;
a merge the service refuses shows its message and changes nothing."""

from django.urls import reverse

from omniretail.catalog import merge
from omniretail.catalog.models import Product, ProductMerge
from omniretail.inventory import listing_merge
from omniretail.inventory import services as inventory
from omniretail.inventory.models import StockLevel
from omniretail.shopping import services as shopping
from omniretail.shopping.models import Favourite
from omniretail.web import views_catalog_merge


def test_the_platform_merges_goods_listed_twice_then_undoes_it(
    client, platform_staff, approved_product, shopper, store_location, merchant_staff
):
    keep = approved_product("补水保湿面膜10片").product
    dup = approved_product("補水保濕面膜 10片").product
    shopping.toggle_favourite(user=shopper, product=dup)
    dup_sku = dup.skus.get()
    inventory.receive_stock(actor=merchant_staff, location=store_location, sku=dup_sku, quantity=6)
    client.force_login(platform_staff)

    quality = client.get(reverse("web:ops_quality")).content.decode()
    assert reverse("web:ops_goods_merges") in quality
    page = client.get(reverse("web:ops_goods_merges")).content.decode()
    assert f'data-testid="merge-{dup.public_id}"' in page
    confirm = client.get(
        reverse("web:ops_goods_merge"), {"keep": keep.public_id, "duplicate": dup.public_id}
    )
    html = confirm.content.decode()
    assert confirm.status_code == 200
    assert "補水保濕面膜 10片" in html and "补水保湿面膜10片" in html
    assert "收藏 1" in html and "门店库存 1" in html and 'data-testid="confirm"' not in html

    done = client.post(
        reverse("web:ops_goods_merge"), {"keep": keep.public_id, "duplicate": dup.public_id}
    )
    assert done.status_code == 302
    assert Favourite.objects.get().product_id == keep.pk
    assert StockLevel.objects.get(sku__product=keep).on_hand == 6  # the store's stock follows
    record = ProductMerge.objects.get()
    again = client.post(
        reverse("web:ops_goods_merge"), {"keep": keep.public_id, "duplicate": dup.public_id}
    )
    assert again.status_code == 409 and "该商品已合并到" in again.content.decode()
    listed = client.get(reverse("web:ops_goods_merges")).content.decode()
    assert "收藏 1" in listed and "门店库存 1" in listed
    assert f'data-testid="undo-{record.public_id}"' in listed

    undone = client.post(reverse("web:ops_goods_merge_undo", args=[record.public_id]))
    assert undone.status_code == 302
    assert Favourite.objects.get().product_id == dup.pk
    assert StockLevel.objects.get(sku=dup_sku).on_hand == 6
    assert Product.objects.get(pk=dup.pk).status == Product.Status.APPROVED
    twice = client.post(reverse("web:ops_goods_merge_undo", args=[record.public_id]))
    assert twice.status_code == 409 and "该合并已撤销" in twice.content.decode()


def test_merging_a_product_with_itself_is_refused_on_the_page(
    client, platform_staff, approved_product
):
    keep = approved_product().product
    client.force_login(platform_staff)
    refused = client.post(
        reverse("web:ops_goods_merge"), {"keep": keep.public_id, "duplicate": keep.public_id}
    )
    assert refused.status_code == 422 and "不能把商品与自己合并" in refused.content.decode()
    assert not ProductMerge.objects.exists()
    unknown = client.get(reverse("web:ops_goods_merge"), {"keep": "x", "duplicate": "y"})
    assert unknown.status_code == 422


def test_the_page_names_every_kind_of_row_a_merge_moves():
    moving = {key for key, (kind, *_how) in merge.POLICY.items() if kind == merge.MOVE}
    assert set(views_catalog_merge.LABELS) == moving | {listing_merge.STOCK}
