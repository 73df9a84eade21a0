"""Data quality: phones normalised before they are judged, accounts whose phones normalise
to one number found as one person twice, stores without a real position and goods without
images or brand listed, and the day's counts recorded once per day."""

from datetime import datetime

import pytest
from django.utils import timezone

from omniretail.accounts.models import User
from omniretail.analytics import quality
from omniretail.analytics.models import QualityCount
from omniretail.stores.models import Store


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13800000001", "13800000001"),
        ("+86 138-0000-0001", "13800000001"),
        ("0086 13800000001", "13800000001"),
        ("8613800000001", "13800000001"),
        ("(138) 0000 0001", "13800000001"),
        ("12800000001", None),  # no mobile prefix
        ("1380000000", None),  # ten digits
        ("021-62345678", None),  # a landline
        ("", None),
    ],
)
def test_phones_are_normalised_before_they_are_judged(raw, normal):
    assert quality.normalise_phone(raw) == normal


@pytest.fixture
def messy(store, sku):
    User.objects.create(username="wang", phone="13800000001")
    User.objects.create(username="wang2", phone="+86 138-0000-0001")  # the same person
    User.objects.create(username="li", phone="0086 139 0000 0002")  # odd form, alone
    User.objects.create(username="bad", phone="12345")
    Store.objects.filter(pk=store.pk).update(lat=0.0, lon=0.0)  # imported without position
    return sku


def test_each_check_finds_its_rows(messy, store):
    found = quality.report()
    [group] = found["duplicate_members"]["rows"]
    assert group["phone"] == "13800000001"
    assert [u.username for u in group["users"]] == ["wang", "wang2"]
    assert [r["phone"] for r in found["invalid_phones"]["rows"]] == ["12345"]
    assert list(found["stores_without_position"]["rows"]) == [store]
    assert found["products_without_images"]["count"] == 1  # the fixture's SKU has no picture
    assert found["products_without_brand"]["count"] == 1
    assert found["duplicate_products"]["count"] == 0


def test_counts_are_recorded_once_a_day(messy):
    noon = timezone.make_aware(datetime(2026, 6, 10, 12, 0))
    quality.record_counts(now=noon)
    quality.record_counts(now=noon)
    assert QualityCount.objects.count() == len(quality.CHECKS)
    [day] = quality.history()
    assert day["duplicate_members"] == 1 and day["invalid_phones"] == 1


def test_goods_listed_twice_are_found_by_their_words(approved_product):
    first = approved_product("明前西湖龙井 250g", "98.00").product
    again = approved_product("西湖龙井（明前）250G", "98.00").product
    approved_product("西湖龙井 500g", "180.00")  # another size: not the same goods
    [group] = quality.duplicate_products()
    assert group["products"] == [first, again]
    assert quality.report()["duplicate_products"]["count"] == 1
