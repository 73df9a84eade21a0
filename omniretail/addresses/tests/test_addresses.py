"""The address book: positions from the shopper or the local gazetteer, one default."""

import pytest

from omniretail.addresses import services
from omniretail.addresses.geocoding import LocalGazetteer
from omniretail.addresses.models import Address
from omniretail.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

HOME = {"name": "张三", "phone": "13800138000", "district": "上城区", "detail": "延安路 98 号 3 楼"}


def test_the_gazetteer_places_a_street_named_in_the_text():
    found = LocalGazetteer().geocode(district="上城区", text="延安路 98 号 3 楼")
    assert (found.lat, found.lon, found.label) == (30.2600, 120.1660, "延安路")
    assert LocalGazetteer().geocode(district="上城区", text="某某小区 5 幢") is None


def test_the_first_address_is_the_default_and_a_new_default_replaces_it(shopper):
    home = services.add_address(user=shopper, data=HOME)
    assert home.is_default and (home.lat, home.lon) == (30.2600, 120.1660)
    work = services.add_address(
        user=shopper,
        data={**HOME, "detail": "科技园 2 号楼", "lat": "30.2100", "lon": "120.2100"},
        make_default=True,
    )
    home.refresh_from_db()
    assert work.is_default and not home.is_default
    services.delete_address(address=work)
    home.refresh_from_db()
    assert home.is_default


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**HOME, "detail": "某某小区 5 幢"}, "position"),  # no street the gazetteer knows
        ({**HOME, "phone": "0571-88001188"}, "phone"),
        ({**HOME, "phone": "12800138000"}, "phone"),
        ({**HOME, "lat": "91", "lon": "120.1"}, "lat"),
        ({**HOME, "name": " "}, "name"),
    ],
)
def test_bad_addresses_are_refused_and_nothing_is_saved(shopper, data, field):
    with pytest.raises(ValidationFailed) as err:
        services.add_address(user=shopper, data=data)
    assert field in err.value.fields
    assert not Address.objects.exists()


def test_another_shoppers_address_is_not_found(shopper, merchant_staff):
    mine = services.add_address(user=shopper, data=HOME)
    with pytest.raises(Exception) as err:
        services.address_of(merchant_staff, mine.public_id)
    assert err.value.status == 404
