"""A small shop built through the catalogue and store services, as a producer and the
platform would build it: categories, a brand, approved products and two stores."""

from types import SimpleNamespace

import pytest

from omniretail.catalog import services as catalog
from omniretail.stores import services as stores
from omniretail.web.tests.factories import publish

ALL_DAY = [{"weekday": d, "opens": "00:00", "closes": "00:00"} for d in range(7)]


@pytest.fixture
def shop(platform_staff, producer_staff, producer, merchant_staff, merchant):
    ops, maker = platform_staff, producer_staff
    beauty = catalog.create_category(actor=ops, name="美妆个护", slug="beauty", name_en="Beauty")
    skincare = catalog.create_category(
        actor=ops, name="面部护理", slug="skincare", parent=beauty, name_en="Skincare"
    )
    tea = catalog.create_category(actor=ops, name="茶饮冲调", slug="tea", name_en="Tea")
    brand = catalog.create_brand(actor=maker, producer=producer, name="绿源")
    mask = publish(
        ops,
        maker,
        producer,
        category=skincare,
        brand=brand,
        name="玻尿酸补水面膜",
        subtitle="深层补水 · 10 片装",
        description="温和配方，敏感肌可用。",
        skus=[
            {"code": "MASK-10", "name": "10 片装", "price": "39.90"},
            {"code": "MASK-20", "name": "20 片装", "price": "69.00"},
        ],
        flags={"is_featured": True},
    )
    offer = publish(
        ops,
        maker,
        producer,
        category=tea,
        brand=brand,
        name="龙井绿茶礼盒",
        subtitle="明前龙井 250g",
        skus=[{"code": "TEA-250", "name": "250g", "price": "59.00"}],
        compare_at_price="99.00",
        flags={"is_special_offer": True, "is_free_sample": True},
    )
    # Two stores near West Lake: one about 150 m from the shopper, one about 2 km away.
    near_store = stores.create_store(
        actor=merchant_staff,
        merchant=merchant,
        name="湖滨便利 · 湖滨店",
        address="杭州市上城区湖滨路 18 号",
        lat="30.2590",
        lon="120.1640",
        phone="0571-88001188",
        main_products="面膜、龙井茶、日用百货",
    )
    stores.set_opening_hours(actor=merchant_staff, store=near_store, hours=ALL_DAY)
    far_store = stores.create_store(
        actor=merchant_staff,
        merchant=merchant,
        name="湖滨便利 · 武林店",
        address="杭州市拱墅区武林广场 1 号",
        lat="30.2770",
        lon="120.1640",
        phone="13800138001",
    )
    return SimpleNamespace(
        ops=ops,
        maker=maker,
        producer=producer,
        beauty=beauty,
        skincare=skincare,
        tea=tea,
        brand=brand,
        mask=mask,
        offer=offer,
        near_store=near_store,
        far_store=far_store,
        near_point=(30.2600, 120.1650),
    )


@pytest.fixture
def many_products(shop):
    """Enough products in one category for a second page."""
    return [
        publish(
            shop.ops,
            shop.maker,
            shop.producer,
            category=shop.skincare,
            name=f"保湿乳液 {i}",
            skus=[{"code": f"LOTION-{i}", "name": "100ml", "price": "25.00"}],
        )
        for i in range(21)
    ]


@pytest.fixture
def commerce(shop, merchant_staff, settings):
    """The shop with stock on the shelves of the near store (open all day) and a member with
    money in their wallet: what a shopper needs to buy."""
    from omniretail.accounts.models import User
    from omniretail.inventory import services as inventory
    from omniretail.payments import services as payments

    settings.OMNI_EVENTS_DELIVERY = "inline"
    location = inventory.location_for_store(shop.near_store)
    mask_10, mask_20 = shop.mask.skus.order_by("price")
    tea_sku = shop.offer.skus.get()
    for sku, quantity in ((mask_10, 20), (mask_20, 3), (tea_sku, 10)):
        inventory.receive_stock(actor=merchant_staff, location=location, sku=sku, quantity=quantity)
    member = User.objects.create(username="m13800138000", phone="13800138000")
    payments.top_up_wallet(user=member, amount="1000.00", idempotency_key="web-fixture")
    return SimpleNamespace(
        **vars(shop),
        location=location,
        mask_10=mask_10,
        mask_20=mask_20,
        tea_sku=tea_sku,
        member=member,
        staff=merchant_staff,
    )
