"""Coupon cards in group chat (issue 18 item 2): the group's owner or an admin posts a
coupon of the 领券中心; members claim it from the card through the coupon centre's one
atomic claim; the card shows each member whether they hold it and how many are left."""

import pytest

from omniretail.community import chat, services
from omniretail.community.models import Message
from omniretail.core.errors import PermissionDenied, ValidationFailed
from omniretail.loyalty import coupons
from omniretail.loyalty.models import Coupon

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(platform_admin, people):
    creator, a, b = people(3)
    group = services.create_group(creator=creator, name="省钱群", scope="platform")
    services.join(user=a, group=group)
    services.join(user=b, group=group)
    template = coupons.define_template(
        org=None,
        name="平台 满30减5",
        kind="amount",
        amount_off="5",
        min_spend="30",
        is_public=True,
        total_limit=2,
    )
    return group, creator, a, b, template


def _card(api_client, user, group, template):
    return api_client(user).post(
        f"/api/community/groups/{group.public_id}/messages",
        {"text": "新人福利，先到先得", "card": {"kind": "coupon", "id": template.public_id}},
    )


def test_members_claim_the_card_once_each_until_it_runs_out(api_client, room, people):
    group, creator, a, b, template = room
    (c,) = people(1)
    services.join(user=c, group=group)

    posted = _card(api_client, creator, group, template)
    card = posted.json()
    url = f"/api/community/groups/{group.public_id}/messages/{card['id']}/claim"
    first = api_client(a).post(url)
    again = api_client(a).post(url)  # a second tap: the same coupon
    second = api_client(b).post(url)
    late = api_client(c).post(url)
    history = api_client(a).get(f"/api/community/groups/{group.public_id}/messages").json()
    seen_by_c = api_client(c).get(f"/api/community/groups/{group.public_id}/messages").json()

    assert posted.status_code == 201
    assert card["kind"] == "coupon" and card["card"]["title"] == "平台 满30减5"
    assert card["card"]["price"] == "满¥30.00减¥5.00"
    assert first.status_code == 200 and again.json()["coupon"] == first.json()["coupon"]
    assert first.json()["state"] == {"claimed": True, "left": 1, "claimable": False}
    assert second.status_code == 200
    assert late.status_code == 409 and late.json()["error"]["code"] == "coupon_sold_out"
    assert Coupon.objects.filter(template=template).count() == 2
    assert history[-1]["coupon"] == {"claimed": True, "left": 0, "claimable": False}
    assert seen_by_c[-1]["coupon"] == {"claimed": False, "left": 0, "claimable": False}


def test_a_plain_member_may_not_post_a_coupon_card(room):
    group, _creator, a, _b, template = room

    with pytest.raises(PermissionDenied):
        chat.post_message(author=a, group=group, card={"kind": "coupon", "id": template.public_id})

    assert not Message.objects.exists()


def test_only_coupons_of_the_centre_and_of_the_groups_own_merchant_are_posted(room, merchant):
    group, creator, _a, _b, _template = room
    private = coupons.define_template(org=None, name="员工券", kind="amount", amount_off="5")
    merchants = coupons.define_template(
        org=merchant, name="湖滨 满50减10", kind="amount", amount_off="10", is_public=True
    )

    with pytest.raises(ValidationFailed) as not_public:
        chat.post_message(
            author=creator, group=group, card={"kind": "coupon", "id": private.public_id}
        )
    with pytest.raises(ValidationFailed) as foreign:
        chat.post_message(
            author=creator, group=group, card={"kind": "coupon", "id": merchants.public_id}
        )

    assert "card" in not_public.value.fields and "card" in foreign.value.fields
    assert not Message.objects.exists()


def test_a_stranger_cannot_claim_and_a_text_message_offers_nothing(api_client, room, people):
    group, creator, a, _b, template = room
    (stranger,) = people(1)
    card = _card(api_client, creator, group, template).json()
    text = chat.post_message(author=a, group=group, text="谢谢群主")

    refused = api_client(stranger).post(
        f"/api/community/groups/{group.public_id}/messages/{card['id']}/claim"
    )
    nothing = api_client(a).post(
        f"/api/community/groups/{group.public_id}/messages/{text.public_id}/claim"
    )

    assert refused.status_code == 403 and nothing.status_code == 404
    assert not Coupon.objects.exists()
