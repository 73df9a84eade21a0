"""Goods a producer lists twice (issue 20 item 4): the upload form warns, naming and linking
the producer's matching product, and submits only once 疑似重复商品，确认仍要提交 is ticked; the
management centre's review queue badges the second 疑似重复 with the first linked."""

import pytest
from django.test import Client

from omniretail.catalog import services as catalog
from omniretail.catalog.models import Product
from omniretail.supply.tests.fixtures import channel_fixture  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

UPLOAD = "/supply/producer/upload/"


def form(name, **extra):
    return {
        "name": name,
        "category": "grain-oil",
        "code": f"TEA-{abs(hash(name)) % 10**6}",
        "sku_name": "单瓶",
        "retail_price": "4.50",
        "wholesale_price": "3.00",
        "min_order_quantity": "24",
        **extra,
    }


def _maker(channel) -> Client:
    client = Client()
    client.force_login(channel.maker)
    return client


def test_a_duplicate_upload_is_held_with_a_warning_until_confirmed(channel):
    first = channel.upload(name="东方树叶乌龙茶500ML")
    client = _maker(channel)

    held = client.post(UPLOAD, form("东方树叶 乌龙茶 500ml"))

    assert held.status_code == 409
    page = held.content.decode()
    assert 'data-testid="duplicate-warning"' in page
    assert f'href="/catalogue/{first.public_id}/media/"' in page
    assert "东方树叶乌龙茶500ML" in page and "疑似重复商品，确认仍要提交" in page
    assert 'value="东方树叶 乌龙茶 500ml"' in page  # the typed form comes back
    assert Product.objects.filter(owner=channel.producer).count() == 1

    confirmed = client.post(UPLOAD, form("东方树叶 乌龙茶 500ml", confirm_duplicate="1"))

    assert confirmed.status_code == 302
    assert Product.objects.filter(owner=channel.producer).count() == 2


def test_a_different_product_or_another_owners_twin_uploads_without_a_warning(channel):
    channel.upload(name="东方树叶乌龙茶500ML")
    catalog.create_product(
        actor=channel.clerk,
        owner=channel.retailer,
        category=channel.category,
        name="西湖龙井 250g",
        skus=[{"code": "RIVAL-1", "name": "罐装", "price": "88.00"}],
    )
    client = _maker(channel)

    other_size = client.post(UPLOAD, form("东方树叶乌龙茶 1.5L"))
    others_name = client.post(UPLOAD, form("西湖龙井 250g"))

    assert [r.status_code for r in (other_size, others_name)] == [302, 302]
    assert Product.objects.filter(owner=channel.producer).count() == 3


def test_the_same_good_in_traditional_characters_and_other_units_is_held(channel):
    first = channel.upload(name="东方树叶乌龙茶500ML")
    client = _maker(channel)

    held = client.post(UPLOAD, form("東方樹葉 烏龍茶 0.5L"))

    assert held.status_code == 409
    assert f'href="/catalogue/{first.public_id}/media/"' in held.content.decode()
    assert Product.objects.filter(owner=channel.producer).count() == 1


def test_the_review_queue_badges_a_duplicate_and_links_its_twin(channel):
    first = channel.upload(name="明前西湖龙井 250g")
    second = channel.upload(name="西湖龙井（明前）250G")
    alone = channel.upload(name="东北五常大米 5kg")
    ops = Client()
    ops.force_login(channel.ops)

    page = ops.get("/supply/review/").content.decode()

    items = {
        p.public_id: chunk
        for p in (first, second, alone)
        for chunk in page.split('data-testid="review-item"')[1:]
        if f"/catalogue/{p.public_id}/media/" in chunk.split("duplicate-flag")[0]
    }
    assert "疑似重复" in items[second.public_id]
    assert f'href="/catalogue/{first.public_id}/media/"' in items[second.public_id]
    # 合并到此 opens the merge confirmation with the twin kept (catalog.merge)
    assert (
        f"goods/merge/?keep={first.public_id}&amp;duplicate={second.public_id}"
        in (items[second.public_id])
    )
    assert f'href="/catalogue/{second.public_id}/media/"' in items[first.public_id]
    assert "duplicate-badge" not in items[alone.public_id]
