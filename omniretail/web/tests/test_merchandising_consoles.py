"""The merchandising consoles: a platform operator opens a brand hall with a logo and a
banner uploaded as real pictures and chooses the goods shown first; a file that is not a
picture is refused on its field with the form kept and nothing stored; regions' staff put
goods in 優品匯 and banners on the home page for their region only."""

from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from omniretail.conftest import make_staff
from omniretail.merchandising.models import Banner, BrandHall, FeaturedSlot, HallPicture
from omniretail.testing.bad_images import svg_with_script
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db


def local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_an_operator_opens_a_hall_with_pictures_and_goods_first(client, shop):
    client.force_login(shop.ops)
    url = f"/ops/brand-halls/{shop.brand.public_id}/"
    assert shop.brand.name in client.get("/ops/brand-halls/").content.decode()
    response = client.post(
        url,
        {
            "tagline": "百年好茶",
            "story": "西湖边的老字号，三代人守着一片茶园。",
            "position": "1",
            "publish": "1",
            "goods": [shop.offer.public_id],
            f"pos_{shop.offer.public_id}": "1",
            "logo": photo("PNG", "logo.png", size=(120, 120)),
            "banner": photo("JPEG", "banner.jpg", size=(1200, 400)),
        },
    )
    assert response.status_code == 302
    hall = BrandHall.objects.get(brand=shop.brand)
    kinds = {p.kind: p for p in HallPicture.objects.filter(hall=hall)}
    assert kinds["banner"].width == 1200 and default_storage.exists(kinds["logo"].name)
    page = client.get(f"/brands/{shop.brand.public_id}/").content.decode()
    assert "西湖边的老字号" in page and 'data-testid="brand-logo"' in page and "srcset" in page
    goods = page.split('id="brand-goods-title"')[1]
    assert goods.index(shop.offer.name) < goods.index(shop.mask.name)  # chosen first


def test_a_hall_picture_that_is_not_an_image_is_refused_and_the_form_kept(client, shop):
    client.force_login(shop.ops)
    response = client.post(
        f"/ops/brand-halls/{shop.brand.public_id}/",
        {"tagline": "百年好茶", "logo": svg_with_script(), "banner": photo()},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "不是 JPG、PNG 或 WebP 图片" in page and 'value="百年好茶"' in page
    assert not BrandHall.objects.exists()
    assert not default_storage.exists("brands") or not default_storage.listdir("brands")[1]


def test_a_regions_staff_curates_its_region_only(client, shop, region):
    staff = make_staff(region, "hz-ops")
    client.force_login(staff)
    now = timezone.now()
    window = {
        "starts_at": local(now - timedelta(hours=1)),
        "ends_at": local(now + timedelta(days=1)),
    }
    page = client.get("/ops/featured/").content.decode()
    assert 'value="hz"' in page and 'value="platform"' not in page
    client.post(
        "/ops/featured/",
        {"curator": "hz", "product": shop.mask.public_id, "position": "0", **window},
    )
    assert FeaturedSlot.objects.get().curator == region
    refused = client.post(
        "/ops/banners/",
        {"title": "杭州上新", "link": "/brands/", "region": "", "image": photo(), **window},
    )
    assert refused.status_code == 403 and not Banner.objects.exists()
    client.post(
        "/ops/banners/",
        {"title": "杭州上新", "link": "/brands/", "region": "hz", "image": photo(), **window},
    )
    assert Banner.objects.get().region == region
    bad = client.post(
        "/ops/banners/",
        {
            "title": "外链",
            "link": "https://evil.example/",
            "region": "hz",
            "image": photo(),
            **window,
        },
    )
    assert bad.status_code == 422 and 'value="外链"' in bad.content.decode()
    assert Banner.objects.count() == 1


def test_a_shopper_or_merchant_cannot_open_the_consoles(client, shop):
    client.force_login(shop.mask.owner.memberships.first().user)  # a producer's staff
    for url in ("/ops/brand-halls/", "/ops/featured/", "/ops/banners/"):
        assert client.get(url).status_code == 403


def test_the_flash_strip_shows_only_while_a_special_runs(client, shop):
    from omniretail.merchandising import services

    now = timezone.now()
    services.create_special(
        actor=shop.ops,
        sku=shop.mask.skus.get(code="MASK-10"),
        price="29.90",
        starts_at=now + timedelta(hours=1),
        ends_at=now + timedelta(hours=2),
    )
    assert 'data-testid="home-flash"' not in client.get("/").content.decode()


def test_an_operator_places_a_pick_for_a_region(client, shop, region):
    client.force_login(shop.ops)
    now = timezone.now()
    response = client.post(
        "/ops/featured/",
        {
            "curator": "hz",
            "product": shop.mask.public_id,
            "starts_at": local(now - timedelta(hours=1)),
            "ends_at": local(now + timedelta(days=1)),
        },
    )
    assert response.status_code == 302
    assert FeaturedSlot.objects.get().curator == region
