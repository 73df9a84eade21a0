"""The hot paths' plain reads (core.reads) load what the ORM would, value for value and type
for type (SQLite hands back text and floats the converters turn into datetimes and
Decimals), in one statement, and refuse what the ORM's reads refused."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniretail.catalog.models import Sku
from omniretail.core.errors import NotFound
from omniretail.inventory.models import StockLocation
from omniretail.inventory.selectors import sku_by_public_id, skus_by_public_ids
from omniretail.merchandising import specials
from omniretail.merchandising.models import Special
from omniretail.orders.selectors import store_for_checkout
from omniretail.stores.models import Store

pytestmark = pytest.mark.django_db


def values(obj) -> dict:
    return {
        f.attname: (getattr(obj, f.attname), type(getattr(obj, f.attname)))
        for f in type(obj)._meta.concrete_fields
    }


def test_the_checkout_store_is_the_orms_with_its_merchant_and_location_in_one_statement(
    store, store_location
):
    Store.objects.filter(pk=store.pk).update(address="杭州市 上城區 延安路 1號")
    orm = Store.objects.select_related("merchant", "stock_location").get(pk=store.pk)

    with CaptureQueriesContext(connection) as ctx:
        found = store_for_checkout(store.public_id)
        merchant, location = found.merchant, found.stock_location
        assert location.store is found

    assert len(ctx.captured_queries) == 1
    assert values(found) == values(orm)
    assert values(merchant) == values(orm.merchant)
    assert values(location) == values(orm.stock_location)


def test_a_store_without_a_stock_location_has_none_as_with_the_orm(store):
    StockLocation.objects.filter(store=store).delete()
    found = store_for_checkout(store.public_id)
    assert not hasattr(found, "stock_location")  # the ORM's RelatedObjectDoesNotExist
    assert found.merchant.pk == store.merchant_id


def test_a_closed_down_or_unknown_store_is_not_found(store):
    Store.objects.filter(pk=store.pk).update(is_active=False)
    for public_id in (store.public_id, "nosuchstore"):
        with pytest.raises(NotFound) as caught:
            store_for_checkout(public_id)
        assert caught.value.message == "找不到该门店。"


def test_skus_come_with_their_product_in_one_statement_and_an_unknown_one_is_not_found(sku, sku2):
    orm = {
        s.public_id: s
        for s in Sku.objects.select_related("product").filter(pk__in=[sku.pk, sku2.pk])
    }

    with CaptureQueriesContext(connection) as ctx:
        found = skus_by_public_ids([sku.public_id, sku2.public_id, sku.public_id])
        names = {key: s.product.name for key, s in found.items()}

    assert len(ctx.captured_queries) == 1
    assert set(found) == set(orm) and names[sku2.public_id] == "明前西湖龙井250g"
    for key, s in found.items():
        assert values(s) == values(orm[key])
        assert values(s.product) == values(orm[key].product)
    assert sku_by_public_id(sku.public_id).price == Decimal("39.90")
    for wanted in ([sku.public_id, "nosuchsku"], ["nosuchsku"]):
        with pytest.raises(NotFound):
            skus_by_public_ids(wanted)
    with pytest.raises(NotFound):
        sku_by_public_id("nosuchsku")


def test_a_special_runs_from_its_first_microsecond_to_before_its_last(sku, sku2):
    starts = datetime(2026, 12, 6, 2, 0, 0, 500_000, tzinfo=UTC)
    special = Special.objects.create(
        sku=sku, price=Decimal("29.90"), starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    Special.objects.create(
        sku=sku2, price=Decimal("1.00"), starts_at=starts, ends_at=starts + timedelta(hours=1)
    )
    tick = timedelta(microseconds=1)

    def running(at):
        return [s.pk for s in specials.running([sku.pk], now=at)]

    assert running(starts - tick) == []
    assert running(starts) == [special.pk]
    assert running(special.ends_at - tick) == [special.pk]
    assert running(special.ends_at) == []
    assert specials.running([], now=starts) == []
    (found,) = specials.running([sku.pk], now=starts)
    assert values(found) == values(Special.objects.get(pk=special.pk))
