"""Opening and changing stores: who may, and what input is refused."""

import pytest

from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.stores import services
from omniretail.stores.models import Store


def _create(actor, org, **overrides):
    fields = {"name": "湖滨店", "address": "湖滨路 1 号", "lat": 30.27, "lon": 120.16}
    return services.create_store(actor=actor, merchant=org, **{**fields, **overrides})


@pytest.mark.parametrize(
    ("phone", "stored"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "+8613800138000"),
        ("0571-88001188", "0571-88001188"),
        ("057188001188", "057188001188"),
        ("010-12345678-123", "010-12345678-123"),
        ("400-800-1234", "400-800-1234"),
        ("0571 8800 1188", "057188001188"),
        ("", ""),
    ],
)
def test_mobile_and_landline_numbers_are_accepted(merchant, merchant_staff, phone, stored):
    assert _create(merchant_staff, merchant, phone=phone).phone == stored


@pytest.mark.parametrize("phone", ["12345", "call me", "1380013800", "0571-88", "+1 555 0100"])
def test_something_that_is_not_a_phone_number_is_refused(merchant, merchant_staff, phone):
    with pytest.raises(ValidationFailed) as refused:
        _create(merchant_staff, merchant, phone=phone)

    assert "phone" in refused.value.fields
    assert not Store.objects.exists()


@pytest.mark.parametrize(
    ("lat", "lon", "field"),
    [(91, 120, "lat"), (30, -181, "lon"), ("abc", 120, "lat"), (30, None, "lon")],
)
def test_a_store_off_the_map_is_refused(merchant, merchant_staff, lat, lon, field):
    with pytest.raises(ValidationFailed) as refused:
        _create(merchant_staff, merchant, lat=lat, lon=lon)

    assert field in refused.value.fields


def test_only_a_merchant_can_open_a_store(producer, platform_staff):
    with pytest.raises(ValidationFailed) as refused:
        _create(platform_staff, producer)

    assert "merchant" in refused.value.fields


def test_another_merchants_manager_may_not_open_or_change_its_stores(
    merchant, merchant_staff, other_merchant_staff
):
    store = _create(merchant_staff, merchant)

    with pytest.raises(PermissionDenied):
        _create(other_merchant_staff, merchant)
    with pytest.raises(PermissionDenied):
        services.update_store(actor=other_merchant_staff, store=store, name="被改了")
    with pytest.raises(PermissionDenied):
        services.set_exception(
            actor=other_merchant_staff, store=store, date="2099-01-01", is_closed=True
        )

    store.refresh_from_db()
    assert store.name == "湖滨店"
    assert Store.objects.count() == 1


def test_moving_a_store_checks_the_new_point(merchant, merchant_staff):
    store = _create(merchant_staff, merchant)

    services.update_store(actor=merchant_staff, store=store, lat="30.3", lon=120.2)
    with pytest.raises(ValidationFailed):
        services.update_store(actor=merchant_staff, store=store, lon=200)

    store.refresh_from_db()
    assert (store.lat, store.lon) == (30.3, 120.2)


def test_fields_that_cannot_be_edited_are_refused(merchant, merchant_staff):
    store = _create(merchant_staff, merchant)

    with pytest.raises(ValidationFailed) as refused:
        services.update_store(actor=merchant_staff, store=store, rating="5.0", merchant=None)

    assert set(refused.value.fields) == {"merchant", "rating"}
