"""Home banners: a stored picture, a link that can only open a page of this site, a window
and a region; the H5 home swipes through the running ones and has no carousel without them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts import services as accounts
from omniretail.conftest import make_staff
from omniretail.core import uploads
from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.merchandising import selectors, services
from omniretail.merchandising.models import Banner
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db
NOW = timezone.now().replace(microsecond=0)
HOUR = timedelta(hours=1)


@pytest.fixture
def picture():
    return uploads.save_images([photo("PNG", "春季上新.png", size=(600, 240))], folder="banners")[
        0
    ][0]


def banner(
    actor, picture, *, link="/brands/", region=None, start=-1, end=1, position=0, title="春季上新"
):
    return services.create_banner(
        actor=actor,
        title=title,
        image=picture,
        link=link,
        starts_at=NOW + start * HOUR,
        ends_at=NOW + end * HOUR,
        position=position,
        region=region,
    )


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        "https://evil.example/p/1/",
        "//evil.example/",
        "/ops/banners/",  # a console page
        "/p/01NOSUCHPRODUCT0000000000/",  # no such product on sale
        "/brands/01NOSUCHBRAND000000000000/",
        "/p/x/\\..",
        "/c/no-such-category/",
    ],
)
def test_a_link_off_the_mall_is_refused_and_nothing_is_written(platform_staff, picture, link):
    with pytest.raises(ValidationFailed) as refused:
        banner(platform_staff, picture, link=link)
    assert "link" in refused.value.fields
    assert not Banner.objects.exists()


def test_a_link_to_a_product_on_sale_or_a_mall_page_is_kept(platform_staff, picture, sku):
    product_link = f"/p/{sku.product.public_id}/"
    assert banner(platform_staff, picture, link=product_link).link == product_link
    assert banner(platform_staff, picture, link="/ranking/").link == "/ranking/"


def test_a_banner_without_a_picture_or_ending_before_it_starts_is_refused(platform_staff, picture):
    with pytest.raises(ValidationFailed) as refused:
        banner(platform_staff, None, start=1, end=1)
    assert set(refused.value.fields) == {"image", "ends_at"}
    assert not Banner.objects.exists()


def test_running_banners_follow_the_window_and_the_region_first(platform_staff, region, picture):
    staff = make_staff(region, "hz-ops")
    everyone = banner(platform_staff, picture, title="全国", position=0)
    hangzhou = banner(staff, picture, title="杭州", region=region, position=5)
    banner(platform_staff, picture, title="明天", start=23, end=30)
    banner(platform_staff, picture, title="昨天", start=-30, end=-23)
    assert selectors.running_banners(region=region, now=NOW) == [hangzhou, everyone]
    assert selectors.running_banners(region=None, now=NOW) == [everyone]
    assert selectors.running_banners(region=None, now=NOW + 2 * HOUR) == []


def test_a_regions_staff_cannot_place_a_banner_everywhere_or_in_another_region(region, picture):
    staff = make_staff(region, "hz-ops")
    ningbo = accounts.create_organization(kind="region", name="宁波运营中心", code="nb")
    with pytest.raises(PermissionDenied):
        banner(staff, picture, region=None)
    with pytest.raises(PermissionDenied):
        banner(staff, picture, region=ningbo)
    assert not Banner.objects.exists()


def test_the_home_page_swipes_through_running_banners_and_has_none_without(
    client, platform_staff, picture
):
    assert 'data-testid="home-banners"' not in client.get("/").content.decode()
    banner(platform_staff, picture, title="春季上新", link="/brands/", position=1)
    banner(platform_staff, picture, title="品牌周", link="/ranking/", position=0)
    page = client.get("/").content.decode()
    carousel = page.split('data-testid="home-banners"')[1].split("</div>")[0]
    assert carousel.index('href="/ranking/"') < carousel.index('href="/brands/"')
    assert "品牌周" in carousel and 'srcset="' in carousel and "scroll" not in carousel
    assert "banners.css" in page


def test_taking_a_banner_down_ends_a_running_one_now_and_removes_a_future_one(
    platform_staff, picture
):
    running = banner(platform_staff, picture, title="进行中")
    future = banner(platform_staff, picture, title="明天", start=23, end=30)
    services.end_banner(actor=platform_staff, banner=running, now=NOW)
    services.end_banner(actor=platform_staff, banner=future, now=NOW)
    assert list(Banner.objects.values_list("title", "ends_at")) == [("进行中", NOW)]
    assert selectors.running_banners(now=NOW) == []
