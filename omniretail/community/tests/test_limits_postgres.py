"""The member limit under a burst of joins, proven on PostgreSQL (one conditional UPDATE
of the group's count; the check constraint behind it)."""

import pytest

from omniretail.community import services
from omniretail.community.models import Member
from omniretail.core.errors import Conflict

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twelve_shoppers_joining_at_once_never_pass_the_limit(platform_admin, people, race):
    creator, *joiners = people(13)
    group = services.create_group(creator=creator, name="抢位群", scope="platform", member_limit=7)

    outcomes = race(12, lambda i: services.join(user=joiners[i], group=group))

    assert sum(isinstance(o, Member) for o in outcomes) == 5
    assert all(isinstance(o, (Member, Conflict)) for o in outcomes), outcomes
    group.refresh_from_db()
    assert group.member_count == 7 == Member.objects.filter(group=group, status="active").count()
