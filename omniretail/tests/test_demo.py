"""The demo city is what a newcomer sees first: it must load through the services, be
searchable and nearby-findable, and a second run must add nothing."""

import pytest

from omniretail.accounts.models import Organization, User
from omniretail.catalog.models import Product
from omniretail.catalog.selectors import search_products
from omniretail.demo import load_demo_city
from omniretail.stores.models import Store
from omniretail.stores.selectors import nearby_stores


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.mark.django_db
def test_demo_city_loads_once_with_working_logins(data_dir, client):
    first = load_demo_city()
    assert first["created"] and first["products"] == 200
    counts = {kind: Organization.objects.filter(kind=kind).count() for kind in Organization.Kind}
    assert counts == {"platform": 1, "region": 2, "producer": 3, "merchant": 6}
    assert Store.objects.count() == 12
    # the 200 of the core catalogue plus the programmes' own (channel goods, counter goods)
    products = Product.objects.count()
    assert products >= 200
    assert Product.objects.filter(status=Product.Status.APPROVED).count() == products
    assert search_products("面膜").filter(name="补水保湿面膜10片").exists()
    assert nearby_stores(lat=30.2741, lon=120.1551, radius_m=3000)

    again = load_demo_city()
    assert not again["created"]
    assert again["credentials"] == first["credentials"]
    assert Product.objects.count() == products
    assert User.objects.filter(username="admin").count() == 1

    password = first["credentials"]["hubin-owner"]
    assert client.login(username="hubin-owner", password=password)
    assert client.login(username="admin", password=first["credentials"]["admin"])
    assert client.get("/admin/").status_code == 200
