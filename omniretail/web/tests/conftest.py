"""A small shop built through the catalogue and store services, as a producer and the
platform would build it: categories, a brand, approved products and two stores."""

from types import SimpleNamespace

import pytest

from omniretail.catalog import services as catalog


def publish(ops, maker, producer, *, flags=None, **fields):
    """Create, submit and approve a product: the only way a product reaches the shop."""
    product = catalog.create_product(actor=maker, owner=producer, **fields)
    catalog.submit_product(actor=maker, product=product)
    catalog.review_product(actor=ops, product=product, approve=True)
    if flags:
        catalog.set_product_flags(actor=ops, product=product, **flags)
    product.refresh_from_db()
    return product


@pytest.fixture
def shop(platform_staff, producer_staff, producer):
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
