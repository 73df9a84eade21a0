"""品牌馆 and 優品匯: who may open a hall or place goods, bad input refused with 422 and
nothing written, and the featured zone shows exactly what is scheduled now, region first."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.catalog.models import Brand
from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.merchandising import selectors, services
from omniretail.merchandising.models import BrandHall, FeaturedSlot

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)


@pytest.fixture
def brand(producer):
    return Brand.objects.create(producer=producer, name="绿源", story="三代人的茶园。")


def test_the_producer_opens_its_brands_hall_and_the_index_lists_it(producer_staff, brand, sku):
    sku.product.brand = brand
    sku.product.save(update_fields=["brand"])
    services.open_brand_hall(
        actor=producer_staff, brand=brand, banner_url="/media/b.jpg", tagline="好茶"
    )
    assert [h.brand for h in selectors.brand_halls()] == [brand]
    hall, goods = selectors.brand_hall(brand.public_id)
    assert hall.tagline == "好茶" and goods == [sku.product]


def test_a_merchant_cannot_open_a_producers_hall(merchant_staff, brand):
    with pytest.raises(PermissionDenied):
        services.open_brand_hall(actor=merchant_staff, brand=brand)
    assert not BrandHall.objects.exists()


def test_a_banner_that_is_not_a_path_or_https_is_refused(producer_staff, brand):
    with pytest.raises(ValidationFailed) as refused:
        services.open_brand_hall(
            actor=producer_staff, brand=brand, banner_url="javascript:alert(1)"
        )
    assert "banner_url" in refused.value.fields
    assert not BrandHall.objects.exists()


def test_featured_shows_what_is_scheduled_now_region_first(
    platform, platform_staff, region, sku, sku2, approved_product
):
    mask, tea, later = sku.product, sku2.product, approved_product("保温杯", "59.00").product
    hour = timedelta(hours=1)
    services.place_featured(
        actor=platform_staff,
        curator=platform,
        product=mask,
        starts_at=NOW - hour,
        ends_at=NOW + hour,
        position=1,
    )
    services.place_featured(
        actor=platform_staff,
        curator=platform,
        product=later,
        starts_at=NOW + hour,
        ends_at=NOW + 2 * hour,
    )
    FeaturedSlot.objects.create(
        curator=region, product=tea, starts_at=NOW - hour, ends_at=NOW + hour, position=9
    )
    assert selectors.featured(limit=6, now=NOW) == [mask]
    assert selectors.featured(region=region, limit=6, now=NOW) == [tea, mask]
    assert selectors.featured(limit=6, now=NOW + hour) == [later]
    assert selectors.featured(limit=6, now=NOW + 2 * hour) == []


def test_a_featured_slot_ending_before_it_starts_is_refused(platform, platform_staff, sku):
    with pytest.raises(ValidationFailed) as refused:
        services.place_featured(
            actor=platform_staff, curator=platform, product=sku.product, starts_at=NOW, ends_at=NOW
        )
    assert refused.value.status == 422 and "ends_at" in refused.value.fields
    assert not FeaturedSlot.objects.exists()


def test_a_merchant_cannot_curate_the_featured_zone(merchant, merchant_staff, sku):
    with pytest.raises(PermissionDenied):
        services.place_featured(
            actor=merchant_staff,
            curator=merchant,
            product=sku.product,
            starts_at=NOW,
            ends_at=NOW + timedelta(hours=1),
        )
