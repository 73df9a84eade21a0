"""The admin shows a merchant's staff their own stores only; platform operators see all."""

from omniretail.conftest import admin_client_for
from omniretail.stores.models import Store

CHANGELIST = "/admin/stores/store/"


def test_merchant_staff_see_and_change_only_their_own_stores_in_the_admin(
    open_store, rival_store, merchant_staff
):
    mine = open_store("我的门店")
    client = admin_client_for(merchant_staff, "view_store", "change_store")

    listing = client.get(CHANGELIST)
    own = client.get(f"{CHANGELIST}{mine.pk}/change/")
    other = client.get(f"{CHANGELIST}{rival_store.pk}/change/")
    post = client.post(f"{CHANGELIST}{rival_store.pk}/change/", {"name": "被改了"})
    absent = client.get(f"{CHANGELIST}999999/change/")

    assert listing.status_code == 200
    assert "我的门店" in listing.text
    assert "西溪店" not in listing.text
    assert own.status_code == 200
    # another merchant's store is answered as one that does not exist (the admin's "not
    # found" redirect to its index), never a 403 that would tell it is there
    assert (other.status_code, other.url) == (absent.status_code, absent.url) == (302, "/admin/")
    assert (post.status_code, post.url) == (302, "/admin/")
    assert Store.objects.get(pk=rival_store.pk).name == "西溪店"


def test_merchant_staff_can_only_pick_their_own_merchant_for_a_new_store(
    merchant_staff, merchant, other_merchant
):
    client = admin_client_for(merchant_staff, "add_store", "view_store")

    page = client.get(f"{CHANGELIST}add/")

    assert page.status_code == 200
    assert merchant.name in page.text
    assert other_merchant.name not in page.text


def test_platform_operators_see_every_merchants_stores(open_store, rival_store, platform_staff):
    open_store("我的门店")
    client = admin_client_for(platform_staff, "view_store", "change_store")

    listing = client.get(CHANGELIST)
    other = client.get(f"{CHANGELIST}{rival_store.pk}/change/")

    assert "我的门店" in listing.text
    assert "西溪店" in listing.text
    assert other.status_code == 200
