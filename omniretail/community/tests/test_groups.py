"""Groups and membership: who owns a new group, the join rules, the member limit, roles."""

import pytest

from omniretail.community import services
from omniretail.community.models import Group, Member
from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_a_shopper_creating_a_group_makes_the_platform_administrator_owner(platform_admin, people):
    (creator,) = people(1)
    group = services.create_group(creator=creator, name="西湖宝妈群", scope="platform")

    roles = {m.user_id: m.role for m in group.members.all()}
    assert roles == {platform_admin.pk: "owner", creator.pk: "admin"}
    group.refresh_from_db()
    assert group.member_count == 2
    assert group.organization.kind == "platform"


def test_a_merchant_group_is_owned_by_the_merchant_administrator(
    platform, merchant, merchant_staff, store
):
    from omniretail.accounts.models import Membership
    from omniretail.conftest import make_staff

    boss = make_staff(merchant, "boss-li", role=Membership.Role.OWNER)
    group = services.create_group(
        creator=merchant_staff, name="门店粉丝群", scope="store", store=store
    )

    assert group.organization == merchant and group.store == store
    assert group.members.get(role="owner").user == boss


def test_a_shopper_cannot_create_a_group_for_a_merchant(platform, merchant, people):
    (shopper,) = people(1)
    with pytest.raises(PermissionDenied):
        services.create_group(creator=shopper, name="冒名群", scope="merchant", merchant=merchant)
    assert not Group.objects.exists()


def test_a_neighbourhood_group_needs_its_neighbourhood(platform, people):
    (shopper,) = people(1)
    with pytest.raises(ValidationFailed) as refused:
        services.create_group(creator=shopper, name="邻里群", scope="community")
    assert "community_name" in refused.value.fields
    group = services.create_group(
        creator=shopper, name="邻里群", scope="community", community_name="翠苑一区"
    )
    assert group.members.get().role == "owner"  # no platform administrator on record


def test_open_group_joins_at_once_approval_group_waits_for_an_admin(platform_admin, people):
    creator, a, b = people(3)
    open_group = services.create_group(creator=creator, name="开放群", scope="platform")
    strict = services.create_group(
        creator=creator, name="审核群", scope="platform", join_rule="approval"
    )

    assert services.join(user=a, group=open_group).status == "active"
    assert services.join(user=b, group=strict).status == "pending"
    strict.refresh_from_db()
    assert strict.member_count == 2  # a request takes no seat

    with pytest.raises(PermissionDenied):
        services.decide(actor=a, group=strict, user_public_id=b.public_id, approve=True)
    services.decide(actor=creator, group=strict, user_public_id=b.public_id, approve=True)
    strict.refresh_from_db()
    assert strict.member_count == 3
    assert Member.objects.get(group=strict, user=b).status == "active"


def test_invite_only_group_admits_only_through_its_current_link(platform_admin, people):
    creator, a, b = people(3)
    group = services.create_group(
        creator=creator, name="内部群", scope="platform", join_rule="invite"
    )

    with pytest.raises(PermissionDenied):
        services.join(user=a, group=group)
    old = group.invite_token
    assert services.join(user=a, group=group, token=old).status == "active"
    services.new_invite_link(actor=creator, group=group)
    with pytest.raises(PermissionDenied):
        services.join(user=b, group=group, token=old)
    assert not Member.objects.filter(group=group, user=b).exists()


def test_the_member_limit_refuses_the_next_join(platform_admin, people):
    creator, a, b = people(3)
    group = services.create_group(creator=creator, name="小群", scope="platform", member_limit=3)
    services.join(user=a, group=group)
    with pytest.raises(Conflict):
        services.join(user=b, group=group)
    group.refresh_from_db()
    assert group.member_count == 3
    assert not Member.objects.filter(group=group, user=b).exists()
    services.leave(user=a, group=group)
    services.join(user=b, group=group)
    group.refresh_from_db()
    assert group.member_count == 3


def test_a_limit_below_todays_members_is_refused(platform_admin, people):
    creator, a = people(2)
    group = services.create_group(creator=creator, name="群", scope="platform")
    services.join(user=a, group=group)
    with pytest.raises(ValidationFailed):
        services.update_settings(actor=creator, group=group, member_limit=2)
    group.refresh_from_db()
    assert group.member_limit == 500


def test_only_the_owner_names_admins(platform_admin, people):
    creator, a, b = people(3)
    group = services.create_group(creator=creator, name="群", scope="platform")
    services.join(user=a, group=group)
    services.join(user=b, group=group)
    with pytest.raises(PermissionDenied):  # the creator is an admin, not the owner
        services.set_role(actor=creator, group=group, user_public_id=a.public_id, role="admin")
    services.set_role(actor=platform_admin, group=group, user_public_id=a.public_id, role="admin")
    assert Member.objects.get(group=group, user=a).role == "admin"
    with pytest.raises(PermissionDenied):  # a member sets no announcement
        services.update_settings(actor=b, group=group, announcement="明天团购")
    services.update_settings(actor=a, group=group, announcement="明天上午十点团购龙井")
    group.refresh_from_db()
    assert group.announcement == "明天上午十点团购龙井"
