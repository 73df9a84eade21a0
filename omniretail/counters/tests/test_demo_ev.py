"""The demo's counters are what seed 001 is about: they sell electric vehicles, helmets,
batteries and chargers (not face masks), and their screens have something to show: a
banner, a 360° spin of the e-bike drawn frame by frame, and ads for the idle loop."""

import pytest
from django.core.files.storage import default_storage
from PIL import Image, ImageChops

from omniretail.counters import ads
from omniretail.counters.models import AdCampaign, Counter
from omniretail.demo import load_demo_city

pytestmark = pytest.mark.django_db


def stored(url: str) -> Image.Image:
    name = url.removeprefix(default_storage.base_url)
    with default_storage.open(name) as f:
        image = Image.open(f)
        image.load()
    return image


def test_the_demo_counters_sell_evs_with_generated_media(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    load_demo_city(product_total=40)
    counters = list(Counter.objects.prefetch_related("bays__sku__product"))
    assert len(counters) == 3
    for counter in counters:
        names = [bay.sku.product.name for bay in counter.bays.order_by("number")]
        assert len(names) == 4, names
        for word, name in zip(("电动自行车", "头盔", "电池", "充电器"), names, strict=True):
            assert word in name
        assert not any("面膜" in name for name in names)

        (frames,) = counter.content["spins"]
        assert len(frames) == 24 and len(set(frames)) == 24
        first, quarter = stored(frames[0]), stored(frames[6])
        assert first.size == (720, 720)
        assert ImageChops.difference(first.convert("RGB"), quarter.convert("RGB")).getbbox()
        assert stored(counter.content["media"][0]).size == (1080, 608)

        running = {ad.name for ad in ads.running_for(counter)}
        assert "双十二 电动车节" in running and "春季试驾周" not in running
    creative = AdCampaign.objects.first().creative
    assert stored(default_storage.url(creative)).size == (1080, 1920)
