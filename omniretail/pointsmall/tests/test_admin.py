"""The admin shows a merchant's staff their own points goods only, read-only."""

import pytest

from omniretail.conftest import admin_client_for

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/pointsmall/pointsgood/"


def test_merchant_staff_see_their_goods_and_a_rival_sees_none(
    mall, merchant_staff, other_merchant_staff
):
    own = admin_client_for(merchant_staff, "view_pointsgood")
    rival = admin_client_for(other_merchant_staff, "view_pointsgood")

    assert "补水面膜兑换装" in own.get(CHANGELIST).text
    assert "补水面膜兑换装" not in rival.get(CHANGELIST).text
    theirs, absent = (rival.get(f"{CHANGELIST}{pk}/change/") for pk in (mall.good.pk, 999999))
    assert (theirs.status_code, theirs.url) == (absent.status_code, absent.url) == (302, "/admin/")
    assert own.post(f"{CHANGELIST}{mall.good.pk}/change/", {"title": "x"}).status_code == 403
