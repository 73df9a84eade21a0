"""Catalogue fixtures: a small category tree and a helper that lists a product and, when
asked, takes it through review to approval."""

import pytest

from omniretail.catalog import services


@pytest.fixture
def categories(platform_staff):
    beauty = services.create_category(
        actor=platform_staff, name="美妆个护", slug="beauty", name_en="Beauty", icon="💄"
    )
    masks = services.create_category(
        actor=platform_staff, name="面部护理", slug="face-care", parent=beauty, position=1
    )
    food = services.create_category(
        actor=platform_staff, name="食品饮料", slug="food", name_en="Food", position=2
    )
    tea = services.create_category(actor=platform_staff, name="茶叶", slug="tea", parent=food)
    return {"beauty": beauty, "masks": masks, "food": food, "tea": tea}


@pytest.fixture
def make_product(categories, platform_staff):
    """make_product(actor, owner, name=..., approve=True, category="masks", price="19.90")"""
    counter = iter(range(1, 10_000))

    def make(
        actor,
        owner,
        *,
        name="补水保湿面膜10片",
        approve=True,
        category="masks",
        price="19.90",
        **kwargs,
    ):
        n = next(counter)
        product = services.create_product(
            actor=actor,
            owner=owner,
            category=categories[category],
            name=name,
            skus=kwargs.pop("skus", None)
            or [{"code": f"T{owner.code}-{n}", "name": "单件", "price": price}],
            **kwargs,
        )
        if approve:
            services.submit_product(actor=actor, product=product)
            services.review_product(actor=platform_staff, product=product, approve=True)
            product.refresh_from_db()
        return product

    return make
