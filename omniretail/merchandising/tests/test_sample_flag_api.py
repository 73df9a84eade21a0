"""The catalogue API's 免费试用 follows running sample offers (issue 15: no label without
behaviour): `is_free_sample` and the `free_sample` filter read a flag an operator set by
hand, so the API promised a free trial of goods with no offer, and hid goods with one."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.catalog import services as catalog
from omniretail.merchandising import samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged_only(approved_product, platform_staff):
    """Flagged 免费试用 by hand, with no offer behind it."""
    sku = approved_product("明前西湖龙井 礼盒裝", "98.00")
    catalog.set_product_flags(actor=platform_staff, product=sku.product, is_free_sample=True)
    return sku.product


def _listed(api_client, **params) -> dict:
    answer = api_client().get("/api/catalog/products", params)
    assert answer.status_code == 200
    return {item["id"]: item["is_free_sample"] for item in answer.json()["items"]}


def test_the_api_says_free_sample_only_while_an_offer_runs(
    api_client, flagged_only, sku, producer_staff
):
    everything = _listed(api_client)
    assert everything[flagged_only.public_id] is False
    assert everything[sku.product.public_id] is False
    assert _listed(api_client, free_sample="true") == {}

    now = timezone.now()
    samples.create_offer(
        actor=producer_staff,
        sku=sku,
        stock=3,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    assert _listed(api_client, free_sample="true") == {sku.product.public_id: True}
    assert flagged_only.public_id in _listed(api_client, free_sample="false")
    detail = api_client().get(f"/api/catalog/products/{sku.product.public_id}").json()
    assert detail["is_free_sample"] is True
