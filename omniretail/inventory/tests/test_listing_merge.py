"""Merging duplicate listings moves the stores' stock (inventory.listing_merge): each
location's free stock of a duplicate SKU goes onto the equivalent kept SKU as a journalled
transfer between SKUs, reserved stock stays with its orders, a counter's bay keeps its goods,
and the undo moves exactly that quantity back or refuses, saying how many are left."""

import pytest

from omniretail.catalog.models import Product, ProductMerge
from omniretail.inventory import listing_merge
from omniretail.inventory import services as inventory
from omniretail.inventory.models import StockLevel, StockLocation, StockMovement
from omniretail.orders import services as orders

pytestmark = pytest.mark.django_db

BASE = "/api/catalog/manage/merges"


@pytest.fixture
def pair(approved_product):
    """The same mask listed twice by the producer: the second typed in traditional script."""
    keep = approved_product("补水保湿面膜10片", "39.90")
    dup = approved_product("補水保濕面膜 10片", "39.90")
    return keep, dup


def _levels(*skus) -> dict:
    return {
        (level.location.name, level.sku_id): (level.on_hand, level.reserved)
        for level in StockLevel.objects.filter(sku__in=skus).select_related("location")
    }


@pytest.fixture
def stocked(pair, store_location, other_store_location, merchant_staff):
    """湖滨店 has 5 of the duplicate (2 held for an unpaid order) and 1 of the kept SKU;
    龙翔店 has 3 of the duplicate and none of the kept one."""
    keep, dup = pair
    receive = inventory.receive_stock
    receive(actor=merchant_staff, location=store_location, sku=dup, quantity=5)
    receive(actor=merchant_staff, location=store_location, sku=keep, quantity=1)
    receive(actor=merchant_staff, location=other_store_location, sku=dup, quantity=3)
    inventory.reserve(location=store_location, sku=dup, quantity=2, reference="ORDER-UNPAID")
    return keep, dup


def test_a_merge_moves_each_stores_free_stock_onto_the_kept_sku(
    stocked, platform_staff, api_client
):
    keep, dup = stocked
    before = _levels(keep, dup)

    made = api_client(platform_staff).post(
        BASE, {"keep": keep.product.public_id, "duplicate": dup.product.public_id}
    )

    assert made.status_code == 201, made.json()
    assert _levels(keep, dup) == {
        ("湖滨店", dup.pk): (2, 2),  # the unpaid order's 2 stay with its reservation
        ("湖滨店", keep.pk): (4, 0),
        ("龙翔店", dup.pk): (0, 0),
        ("龙翔店", keep.pk): (3, 0),
    }
    record = ProductMerge.objects.get()
    assert made.json()["moved"]["inventory.stocklevel.sku"] == 2  # two stores' levels
    journal = StockMovement.objects.filter(reason=f"merge:{record.public_id}")
    assert sorted(journal.values_list("location__name", "sku_id", "kind", "on_hand_delta")) == [
        ("湖滨店", keep.pk, "transfer_in", 3),
        ("湖滨店", dup.pk, "transfer_out", -3),
        ("龙翔店", keep.pk, "transfer_in", 3),
        ("龙翔店", dup.pk, "transfer_out", -3),
    ]
    # the kept SKU sells what was stranded on the hidden listing
    assert StockLevel.objects.get(location__name="龙翔店", sku=keep).available == 3

    undone = api_client(platform_staff).post(f"{BASE}/{record.public_id}/undo")
    assert undone.status_code == 200, undone.json()
    assert _levels(keep, dup) == {**before, ("龙翔店", keep.pk): (0, 0)}


def test_undo_refuses_when_the_moved_stock_was_sold_and_says_how_many_are_left(
    stocked, store, store_location, merchant_staff, platform_staff, api_client
):
    keep, dup = stocked
    record = listing_merge.merge_listings_with_stock(
        keep=keep.product.public_id, duplicate=dup.product.public_id, by=platform_staff
    )
    # 湖滨店 sells 3 of its 4 kept masks: 1 is left of the 3 the merge brought
    orders.ring_up_sale(staff=merchant_staff, store=store, lines=[(keep, 3)])
    after_sale = _levels(keep, dup)

    refused = api_client(platform_staff).post(f"{BASE}/{record.public_id}/undo")

    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "stock_moved_on"
    assert "湖滨店" in error["message"] and "3" in error["message"] and "1" in error["message"]
    assert error["details"] == {"location": store_location.public_id, "needed": 3, "available": 1}
    assert _levels(keep, dup) == after_sale  # nothing moved back, not even 龙翔店's
    assert Product.objects.get(pk=dup.product_id).status == Product.Status.MERGED
    assert ProductMerge.objects.get().undone_at is None
    assert not StockMovement.objects.filter(reason=f"merge-undo:{record.public_id}").exists()


def test_a_counters_bay_keeps_its_goods(approved_product, platform_staff, merchant, merchant_staff):
    keep = approved_product("补水保湿面膜10片", "39.90")
    dup = approved_product("補水保濕面膜 10片", "39.90")
    counter = StockLocation.objects.create(
        kind=StockLocation.Kind.COUNTER, name="一号柜", organization=merchant
    )
    inventory.receive_stock(actor=merchant_staff, location=counter, sku=dup, quantity=4)

    record = listing_merge.merge_listings_with_stock(
        keep=keep.product.public_id, duplicate=dup.product.public_id, by=platform_staff
    )

    assert _levels(keep, dup) == {("一号柜", dup.pk): (4, 0)}
    assert record.moved["inventory.stocklevel.sku"] == []


def test_only_the_platform_merges_with_stock_and_a_refusal_moves_nothing(
    stocked, producer_staff, platform_staff
):
    keep, dup = stocked
    before = _levels(keep, dup)
    with pytest.raises(Exception) as refused:
        listing_merge.merge_listings_with_stock(
            keep=keep.product.public_id, duplicate=dup.product.public_id, by=producer_staff
        )
    assert refused.value.status == 403
    with pytest.raises(Exception) as itself:
        listing_merge.merge_listings_with_stock(
            keep=dup.product.public_id, duplicate=dup.product.public_id, by=platform_staff
        )
    assert itself.value.status == 422
    assert _levels(keep, dup) == before
    assert not StockMovement.objects.filter(reason__startswith="merge").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_sale_racing_the_merge_neither_doubles_nor_loses_stock(
    stocked, store, merchant_staff, platform_staff, race
):
    keep, dup = stocked  # 湖滨店: 5 of the duplicate, 2 of them reserved, and 1 kept

    def work(i):
        if i == 0:
            return listing_merge.merge_listings_with_stock(
                keep=keep.product.public_id, duplicate=dup.product.public_id, by=platform_staff
            )
        return orders.ring_up_sale(staff=merchant_staff, store=store, lines=[(dup, 3)])

    merged, sale = race(2, work)

    assert isinstance(merged, ProductMerge), merged
    sold = 0 if isinstance(sale, Exception) else 3
    levels = _levels(keep, dup)
    assert levels[("湖滨店", dup.pk)][0] + levels[("湖滨店", keep.pk)][0] == 6 - sold
    assert levels[("湖滨店", dup.pk)] == (2, 2)  # the reservation's 2 stay, nothing else
    moved = {loc: qty for loc, _d, _k, qty in merged.moved["inventory.stocklevel.sku"]}
    assert moved.get(store.stock_location.pk, 0) == 3 - sold
    for (name, sku), (on_hand, _reserved) in levels.items():
        journal = StockMovement.objects.filter(location__name=name, sku_id=sku)
        assert sum(journal.values_list("on_hand_delta", flat=True)) == on_hand
