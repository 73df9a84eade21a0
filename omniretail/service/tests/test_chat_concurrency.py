"""Proven on PostgreSQL: agents pressing 接入 on one conversation at once, and a shopper's
double tap opening a conversation, each leave exactly one."""

from collections import Counter

import pytest
from django.contrib.auth import get_user_model

from omniretail.accounts.models import Membership
from omniretail.conftest import make_staff
from omniretail.core.errors import Conflict
from omniretail.service import chat
from omniretail.service.models import Conversation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_six_agents_claiming_one_conversation_at_once_leave_it_with_one(merchant, race):
    shopper = get_user_model().objects.create(username="m13800138000", phone="13800138000")
    agents = [
        make_staff(merchant, f"cs-agent-{i}", role=Membership.Role.CUSTOMER_SERVICE)
        for i in range(6)
    ]
    chat.heartbeat(agent=agents[0])
    conversation = chat.ask(shopper=shopper, text="转人工", organization=merchant)[0].conversation

    outcomes = race(
        6, lambda i: chat.claim(agent=agents[i], conversation_id=conversation.public_id)
    )

    claimed = [o for o in outcomes if isinstance(o, Conversation)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(claimed), len(refused)) == (1, 5), outcomes
    assert {o.code for o in refused} == {"assigned_to_another"}
    assert Conversation.objects.get().agent_id == claimed[0].agent_id


def test_a_double_tap_opens_one_conversation(merchant, race):
    shopper = get_user_model().objects.create(username="m13800138001", phone="13800138001")

    outcomes = race(4, lambda i: chat.open_conversation(shopper=shopper, organization=merchant))

    assert len({o.pk for o in outcomes}) == 1, outcomes
    assert Conversation.objects.count() == 1


def test_twelve_hand_offs_at_once_are_spread_evenly_over_the_online_agents(merchant, race):
    """Each hand-off locks the online agents' presence rows in key order, so they take
    turns: every one sees the loads the others left, none deadlocks, none is lost."""
    agents = [
        make_staff(merchant, f"cs-rr-{i}", role=Membership.Role.CUSTOMER_SERVICE) for i in range(3)
    ]
    for agent in agents:
        chat.heartbeat(agent=agent)
    shoppers = [
        get_user_model().objects.create(username=f"m1390013{i:04d}", phone=f"1390013{i:04d}")
        for i in range(12)
    ]

    outcomes = race(
        12, lambda i: chat.ask(shopper=shoppers[i], text="转人工", organization=merchant)
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    held = Counter(Conversation.objects.filter(status="active").values_list("agent", flat=True))
    assert sorted(held.values()) == [4, 4, 4], held
    assert set(held) == {a.pk for a in agents}
