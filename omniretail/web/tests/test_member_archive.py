"""会员档案: the merchant's members searched and filtered by tier, last visit, 12-month spend
and birthday month, and a member's profile with purchases and points; staff without the
role get 403, another merchant's member is 404."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

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
