"""`make demo` shows the storefront's merchandising: banners running on the home page, brand
halls with their logo, banner and goods, a 優品匯 zone, and channel goods placed in one
region shown to its shoppers only."""

import pytest
from django.test import Client

from omniretail import demo
from omniretail.demo import load_demo_city
from omniretail.merchandising import selectors, showcase_demo
from omniretail.merchandising.models import Banner, BrandHall
from omniretail.supply import demo as supply_demo
from omniretail.supply.models import Placement


@pytest.fixture
def data_dir(settings, tmp_path, monkeypatch):
    """The core city with the programmes this one builds on (tests/test_demo.py loads all)."""
    settings.DATA_DIR = tmp_path
    # the programmes deliver their events with the sweep, inside the demo's one transaction
    settings.OMNI_EVENTS_DELIVERY = "sweep"
    monkeypatch.setattr(demo, "PROGRAMMES", (supply_demo, showcase_demo))
    return tmp_path


@pytest.mark.django_db
def test_the_demo_city_has_banners_halls_a_featured_zone_and_placements(data_dir, client):
    load_demo_city()
    assert len(selectors.running_banners()) == 3
    halls = BrandHall.objects.filter(is_published=True)
    assert halls.count() >= 6 and all(h.logo and h.banner and h.goods.exists() for h in halls)
    assert selectors.featured(limit=6)
    home = client.get("/").content.decode()
    assert 'data-testid="home-banners"' in home and 'data-testid="home-picks"' in home
    assert 'data-testid="home-guesses"' in home  # the ranking, for a visitor
    assert client.get(f"/brands/{halls[0].brand.public_id}/").status_code == 200
    assert Banner.objects.count() == 3

    placed = Placement.objects.select_related("product", "region").first()
    assert placed.region.code == "hz-east"
    east, west = Client(), Client()
    east.get("/nearby/results/?lat=30.3094&lon=120.3271")
    west.get("/nearby/results/?lat=30.2588&lon=120.1648")
    slug = placed.product.category.slug
    assert placed.product.name in east.get(f"/c/{slug}/").content.decode()
    assert placed.product.name not in west.get(f"/c/{slug}/").content.decode()
