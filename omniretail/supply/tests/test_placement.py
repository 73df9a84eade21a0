"""Seed 004 b–d: the management centre's review places goods in the regions whose market
fits them; a region's selection lists what was placed in it first; a shopper's mall shows
what is placed in or selected for their region, and nothing placed only elsewhere."""

from django.test import Client

from omniretail.supply import selectors, services
from omniretail.supply.models import Placement

NEAR_EAST_STORE = "lat=30.3100&lon=120.3800"  # 下沙店, a merchant of 钱塘运营中心
NEAR_WEST_STORE = "lat=30.2588&lon=120.1648"  # 湖滨店, a merchant of 杭州运营中心


def shopper_near(point: str) -> Client:
    """A visitor whose mall is the region of the nearest store they looked up."""
    client = Client()
    assert client.get(f"/nearby/results/?{point}").status_code == 200
    return client


def category_page(client, channel) -> str:
    return client.get(f"/c/{channel.category.slug}/").content.decode()


def test_goods_placed_in_a_region_show_to_its_shoppers_and_not_anothers(channel):
    oil = channel.upload("有机高山茶油")
    services.review_goods(
        actor=channel.ops,
        product=oil,
        approve=True,
        featured_zones=["home"],
        regions=[channel.east],
    )
    assert list(Placement.objects.values_list("region", flat=True)) == [channel.east.pk]
    east, west = shopper_near(NEAR_EAST_STORE), shopper_near(NEAR_WEST_STORE)
    assert "有机高山茶油" in category_page(east, channel)
    assert "有机高山茶油" in east.get("/").content.decode()  # 精选好物 (the home zone)
    assert "有机高山茶油" not in category_page(west, channel)
    assert "有机高山茶油" not in west.get("/").content.decode()
    assert "有机高山茶油" in category_page(Client(), channel)  # region unknown: everything

    channel.select(oil)  # the west region chose it for its retailers after all
    assert "有机高山茶油" in category_page(west, channel)


def test_goods_placed_nowhere_show_in_every_region(channel):
    rice = channel.upload("五常大米")
    channel.approve(rice)
    assert "五常大米" in category_page(shopper_near(NEAR_WEST_STORE), channel)
    assert "五常大米" in category_page(shopper_near(NEAR_EAST_STORE), channel)


def test_a_regions_selection_lists_goods_placed_in_it_first(channel, client):
    placed = channel.upload("东北黑木耳")
    services.review_goods(actor=channel.ops, product=placed, approve=True, regions=[channel.east])
    newer = channel.upload("山茶油礼盒")
    channel.approve(newer)
    east = [o.product for o in selectors.offers_for_region(channel.east)]
    west = [o.product for o in selectors.offers_for_region(channel.region)]
    assert east == [placed, newer]
    assert west == [newer, placed]
    client.force_login(channel.east_ops)
    page = client.get("/supply/region/").content.decode()
    assert 'href="/ops/featured/"' in page and 'href="/ops/banners/"' in page
    assert (
        page.index("东北黑木耳")
        < page.index('data-testid="placed-here"')
        < page.index("山茶油礼盒")
    )


def test_the_review_page_places_goods_and_an_unknown_region_changes_nothing(channel, client):
    oil = channel.upload("有机高山茶油")
    client.force_login(channel.ops)
    review = client.get("/supply/review/").content.decode()
    east = channel.east.public_id
    assert f'name="regions" value="{east}"' in review
    url = f"/supply/review/goods/{oil.public_id}/"
    refused = client.post(url, {"decision": "approve", "regions": [east, "nowhere"]})
    assert refused.status_code == 302
    oil.refresh_from_db()
    assert oil.status == "submitted" and not Placement.objects.exists()
    client.post(url, {"decision": "approve", "regions": [east]})
    oil.refresh_from_db()
    assert oil.status == "approved"
    assert list(Placement.objects.values_list("region__code", flat=True)) == ["hz-east"]


def test_the_review_api_places_goods_and_refuses_an_unknown_region(channel, api_client):
    oil = channel.upload("有机高山茶油")
    api = api_client(channel.ops)
    url = f"/api/supply/review/{oil.public_id}"
    refused = api.post(url, {"approve": True, "regions": ["01NOSUCHREGION00000000000"]})
    assert refused.status_code == 422 and "regions" in refused.json()["error"]["fields"]
    assert api.post(url, {"approve": True, "regions": [channel.east.public_id]}).status_code == 200
    assert [p.region for p in Placement.objects.all()] == [channel.east]
