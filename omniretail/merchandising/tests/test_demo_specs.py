"""The demo city's specs and sample programme, loaded on a small catalogue without the other
programmes: real specs with their own prices, photos and stock, and a sample running."""

import pytest

from omniretail import demo
from omniretail.catalog.models import Product
from omniretail.merchandising import demo as merchandising_demo
from omniretail.merchandising import picker
from omniretail.merchandising.samples import running_by_product


@pytest.mark.django_db
def test_the_demo_has_products_with_real_specs_and_a_free_sample(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(demo, "PROGRAMMES", (merchandising_demo,))
    demo.load_demo_city(product_total=20)
    tee = Product.objects.get(name="纯棉家居服套装", status=Product.Status.APPROVED)
    matrix = picker.spec_picker(tee)
    assert matrix["attributes"] == [
        {"name": "颜色", "values": ["燕麦白", "雾霾蓝"]},
        {"name": "尺码", "values": ["M", "L", "XL"]},
    ]
    by_name = {s["name"]: s for s in matrix["skus"]}
    assert len(by_name) == 6 and tee.skus.filter(is_active=False).count() == 0
    assert (by_name["雾霾蓝 / XL"]["price"], by_name["雾霾蓝 / XL"]["stock"]) == ("139.00", 4)
    assert by_name["燕麦白 / XL"]["stock"] == 0  # sold out
    assert all(s["image"] for s in matrix["skus"])
    drink = Product.objects.get(name="冷泡乌龙茶饮")
    assert [s["values"] for s in picker.spec_picker(drink)["skus"]] == [
        ["330ml"],
        ["500ml"],
        ["1.5L"],
    ]
    (offer,) = running_by_product().values()
    assert offer.sku.product == drink and offer.remaining == 30
