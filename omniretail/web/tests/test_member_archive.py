"""会员档案: the merchant's members searched and filtered by tier, last visit, 12-month spend
and birthday month, and a member's profile with purchases and points; staff without the
role get 403, another merchant's member is 404."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from omniretail.accounts.models import Membership, User
from omniretail.conftest import make_staff
from omniretail.inventory import services as inventory
from omniretail.loyalty import members as programme
from omniretail.loyalty.models import Member
from omniretail.orders.services import ring_up_sale

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def archive(shop, merchant, merchant_staff, other_merchant):
    """王芳 (gold, March birthday) bought two 10-piece masks at the till today; 李雷 (July) has
    never bought; 张伟 is a member of another merchant only."""
    mask_10 = shop.mask.skus.order_by("price").first()
    location = inventory.location_for_store(shop.near_store)
    inventory.receive_stock(actor=merchant_staff, location=location, sku=mask_10, quantity=10)
    wang = User.objects.create(username="m13800138001", phone="13800138001")
    li = User.objects.create(username="m13800138002", phone="13800138002")
    zhang = User.objects.create(username="m13800138003", phone="13800138003")
    shop.wang = programme.activate(user=wang, org=merchant, name="王芳", birthday=date(1990, 3, 8))
    shop.li = programme.activate(user=li, org=merchant, name="李雷", birthday=date(1988, 7, 1))
    shop.zhang = programme.activate(user=zhang, org=other_merchant, name="张伟")
    Member.objects.filter(pk=shop.wang.pk).update(tier="金卡")
    shop.order = ring_up_sale(
        staff=merchant_staff, store=shop.near_store, lines=[(mask_10, 2)], shopper=wang
    )
    return shop


def _names(response) -> list[str]:
    assert response.status_code == 200
    return sorted(m.name for m in response.context["page_obj"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["李雷", "王芳"]),
        ({"q": "38002"}, ["李雷"]),
        ({"q": "王"}, ["王芳"]),
        ({"tier": "金卡"}, ["王芳"]),
        ({"tier": "-"}, ["李雷"]),
        ({"birthday_month": "7"}, ["李雷"]),
        ({"last_visit": "30"}, ["王芳"]),
        ({"last_visit": "lapsed"}, ["李雷"]),
        ({"min_spend": "79.80"}, ["王芳"]),
        ({"min_spend": "79.81"}, []),
    ],
)
def test_member_list_is_searched_and_filtered(archive, merchant_staff, params, expected):
    url = reverse("web:m_members")
    assert _names(client_for(merchant_staff).get(url, params)) == expected


@pytest.mark.parametrize(
    "params", [{"birthday_month": "13"}, {"min_spend": "很多"}, {"last_visit": "ever"}]
)
def test_a_filter_that_is_not_understood_is_a_422(archive, merchant_staff, params):
    response = client_for(merchant_staff).get(reverse("web:m_members"), params)
    assert response.status_code == 422
    assert "page_obj" not in response.context


def test_profile_shows_purchases_spend_tier_and_birthday(archive, merchant_staff):
    response = client_for(merchant_staff).get(
        reverse("web:m_member", args=[archive.wang.public_id])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert archive.order.number in page and "门店收银" in page
    assert "¥79.80" in page and "金卡" in page and "1990-03-08" in page


def test_another_merchants_member_is_404_and_a_shop_assistant_gets_403(
    archive, merchant, merchant_staff
):
    url = reverse("web:m_member", args=[archive.zhang.public_id])
    assert client_for(merchant_staff).get(url).status_code == 404
    clerk = make_staff(merchant, "shop-assistant", role=Membership.Role.STAFF)
    assert client_for(clerk).get(reverse("web:m_members")).status_code == 403


def test_staff_tag_members_and_the_archive_is_filtered_by_tag(archive, merchant_staff):
    client = client_for(merchant_staff)
    profile = reverse("web:m_member", args=[archive.wang.public_id])
    assert client.post(profile, {"action": "tag", "tag": "  常客 "}).status_code == 302
    assert client.post(profile, {"action": "tag", "tag": "常客"}).status_code == 302  # once
    page = client.get(profile).content.decode()
    assert page.count('data-testid="member-tag"') == 1 and "常客" in page

    members = reverse("web:m_members")
    assert _names(client.get(members, {"tag": "常客"})) == ["王芳"]
    assert _names(client.get(members, {"tag": "沉睡"})) == []
    too_long = client.post(profile, {"action": "tag", "tag": "很" * 21})
    assert too_long.status_code == 422 and "标签须为 1 到 20 个字" in too_long.content.decode()

    assert client.post(profile, {"action": "untag", "tag": "常客"}).status_code == 302
    assert _names(client.get(members, {"tag": "常客"})) == []
    assert "常客" in client.get(members).content.decode()  # the merchant keeps its tag


def test_a_note_shows_its_author_and_time_and_another_merchant_cannot_write_one(
    archive, merchant_staff, other_merchant_staff
):
    from omniretail.loyalty.models import MemberNote

    profile = reverse("web:m_member", args=[archive.wang.public_id])
    client = client_for(merchant_staff)
    assert client.post(profile, {"action": "note", "text": "喜欢无香型面膜"}).status_code == 302
    page = client.get(profile).content.decode()
    note = MemberNote.objects.get()
    assert "喜欢无香型面膜" in page and str(merchant_staff) in page
    assert note.author == merchant_staff and note.created_at is not None
    assert client.post(profile, {"action": "note", "text": "  "}).status_code == 422

    rival = client_for(other_merchant_staff)
    assert rival.post(profile, {"action": "note", "text": "偷看"}).status_code == 404
    assert MemberNote.objects.count() == 1


def test_a_tier_change_is_recorded_with_its_date_and_reason(archive, merchant, merchant_staff):
    from omniretail.earning.tiers import recompute_tiers
    from omniretail.loyalty.models import TierChange

    programme.set_tiers(org=merchant, tiers=[{"name": "银卡", "min_spend": "50"}])
    assert recompute_tiers() == 1  # 王芳 金卡 -> 银卡 on her spend; 李雷 stays without one
    assert recompute_tiers() == 0
    change = TierChange.objects.get()
    assert (change.member_id, change.from_tier, change.to_tier) == (archive.wang.pk, "金卡", "银卡")
    spend = archive.order.total
    assert change.reason == f"近 12 个月消费 ¥{spend}、到访 1 次"
    page = client_for(merchant_staff).get(reverse("web:m_member", args=[archive.wang.public_id]))
    history = page.content.decode()
    assert 'data-testid="tier-change"' in history and change.reason in history
    assert f"{timezone.localtime(change.created_at):%Y-%m-%d %H:%M}" in history
