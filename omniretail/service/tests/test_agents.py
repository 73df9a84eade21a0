"""Agents beyond claiming (issue 18 item 6): hand-offs assigned round robin among the
online agents, presence (online/away), transfer with a note, the merchant's first-answer
deadline and its escalation to the platform, and the settings behind them."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from omniretail.accounts.models import Membership
from omniretail.conftest import make_staff
from omniretail.core.scheduler import periodic_jobs
from omniretail.notifications.models import Notification
from omniretail.service import chat, services
from omniretail.service.models import Conversation, Message, Transfer

CS = Membership.Role.CUSTOMER_SERVICE


def _shopper(i: int):
    return get_user_model().objects.create(username=f"m1380013{i:04d}", phone=f"1380013{i:04d}")


@pytest.fixture
def agents(merchant):
    return [make_staff(merchant, f"cs-{name}", role=CS) for name in ("li", "wang", "zhao")]


def _hand_off(api_client, merchant, i: int) -> dict:
    return (
        api_client(_shopper(i))
        .post("/api/service/ask", {"text": "转人工", "merchant": merchant.public_id})
        .json()
    )


def test_hand_offs_go_round_robin_to_the_online_agents_never_the_away_one(
    api_client, merchant, agents
):
    li, wang, zhao = agents
    for agent in agents:
        chat.heartbeat(agent=agent)
    api_client(zhao).post("/api/service/agent/presence", {"status": "away"})

    handed = [_hand_off(api_client, merchant, i) for i in range(4)]

    holders = [Conversation.objects.get(public_id=h["id"]).agent for h in handed]
    assert [h["status"] for h in handed] == ["active"] * 4
    assert holders == [li, wang, li, wang]  # least loaded first, then the longest unassigned
    assert all(h["reply_due_at"] for h in handed)


def test_a_closed_conversation_frees_its_agent_for_the_next_hand_off(api_client, merchant, agents):
    li, wang, _zhao = agents
    chat.heartbeat(agent=li)
    chat.heartbeat(agent=wang)
    first, second = _hand_off(api_client, merchant, 1), _hand_off(api_client, merchant, 2)
    chat.close(agent=li, conversation_id=first["id"])

    third = _hand_off(api_client, merchant, 3)

    assert Conversation.objects.get(public_id=second["id"]).agent == wang
    assert Conversation.objects.get(public_id=third["id"]).agent == li  # 0 held against 1


def test_with_every_agent_away_the_hand_off_is_an_offline_message(api_client, merchant, agents):
    for agent in agents:
        chat.heartbeat(agent=agent)
        api_client(agent).post("/api/service/agent/presence", {"status": "away"})

    body = _hand_off(api_client, merchant, 1)
    presence = api_client(agents[0]).post("/api/service/agent/presence", {"status": "busy"})

    assert body["status"] == "offline"
    assert presence.status_code == 422  # online or away, nothing else
    assert Conversation.objects.get(public_id=body["id"]).agent is None


def test_an_agent_transfers_a_conversation_with_a_note_both_see_the_shopper_does_not(
    api_client, merchant, agents
):
    li, wang, _zhao = agents
    chat.heartbeat(agent=li)
    shopper = _shopper(1)
    conversation = (
        api_client(shopper)
        .post("/api/service/ask", {"text": "我要人工", "merchant": merchant.public_id})
        .json()["id"]
    )
    url = f"/api/service/agent/conversations/{conversation}"
    choices = api_client(li).get(f"{url}/agents").json()

    moved = api_client(li).post(
        f"{url}/transfer", {"agent": wang.public_id, "note": "顾客要开增值税发票，请财务同事跟进"}
    )
    again = api_client(li).post(f"{url}/transfer", {"agent": wang.public_id})
    answered = api_client(wang).post(f"{url}/messages", {"text": "您好，发票我来处理"})
    refused = api_client(li).post(f"{url}/messages", {"text": "还是我来吧"})
    wangs = api_client(wang).post(f"{url}/claim").json()["messages"]
    seen = api_client(shopper).get(f"/api/service/conversations/{conversation}").json()

    assert {c["id"]: c["presence"] for c in choices}[li.public_id] == "online"
    assert moved.status_code == 200
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_your_conversation"
    assert answered.status_code == 201 and refused.status_code == 409
    row = Transfer.objects.get()
    assert (row.from_agent, row.to_agent, row.note) == (
        li,
        wang,
        "顾客要开增值税发票，请财务同事跟进",
    )
    assert any("顾客要开增值税发票" in m["text"] and m["sender"] == "note" for m in wangs)
    assert not any("增值税" in m["text"] for m in seen["messages"])
    assert Notification.objects.filter(user=wang, title="有会话转接给您").exists()


def test_a_transfer_to_someone_outside_the_merchant_changes_nothing(
    api_client, merchant, agents, other_merchant_staff
):
    li = agents[0]
    chat.heartbeat(agent=li)
    conversation = _hand_off(api_client, merchant, 1)["id"]

    refused = api_client(li).post(
        f"/api/service/agent/conversations/{conversation}/transfer",
        {"agent": other_merchant_staff.public_id, "note": "转给你"},
    )

    assert refused.status_code == 422 and "agent" in refused.json()["error"]["fields"]
    assert Conversation.objects.get(public_id=conversation).agent == li
    assert not Transfer.objects.exists()


def test_a_missed_first_answer_is_escalated_to_the_platform_once(
    api_client, merchant, agents, platform, platform_staff
):
    li, wang, _zhao = agents
    chat.heartbeat(agent=li)
    services.configure(
        actor=make_staff(merchant, "cs-boss"),
        organization=merchant,
        assignment="round_robin",
        reply_minutes=5,
    )
    late = _hand_off(api_client, merchant, 1)
    in_time = _hand_off(api_client, merchant, 2)
    chat.heartbeat(agent=li)
    api_client(li).post(
        f"/api/service/agent/conversations/{in_time['id']}/messages", {"text": "您好"}
    )
    platform_agent = make_staff(platform, "ops-cs", role=CS)

    too_early = chat.escalate_overdue(now=timezone.now() + timedelta(minutes=4))
    swept = chat.escalate_overdue(now=timezone.now() + timedelta(minutes=6))
    again = chat.escalate_overdue(now=timezone.now() + timedelta(minutes=7))

    assert (too_early, swept, again) == (0, 1, 0)
    assert Conversation.objects.get(public_id=late["id"]).escalated_at is not None
    assert Conversation.objects.get(public_id=in_time["id"]).escalated_at is None
    listed = api_client(platform_agent).get("/api/service/agent/escalated").json()
    assert [(c["id"], c["organization"]) for c in listed] == [(late["id"], merchant.public_id)]
    mine = api_client(wang).get("/api/service/agent/escalated").json()
    assert [c["id"] for c in mine] == [late["id"]]
    # the platform's agent opens it and sees why
    notes = Message.objects.filter(conversation__public_id=late["id"], sender="note")
    assert [m.text for m in notes] == ["超过首次回复时限仍未答复，已升级至平台客服。"]
    opened = api_client(platform_agent).post(
        f"/api/service/agent/conversations/{late['id']}/messages",
        {"text": "平台备注：已联系商家", "internal": True},
    )
    assert opened.status_code == 201


def test_the_escalation_sweep_is_a_periodic_job():
    assert periodic_jobs()["omniretail.service.chat.escalate_overdue"].seconds == 60


def test_only_the_owner_or_a_manager_sets_the_deadline_and_assignment(api_client, merchant, agents):
    manager = make_staff(merchant, "cs-manager")
    by_agent = api_client(agents[0]).put(
        "/api/service/settings",
        {"organization": merchant.public_id, "assignment": "claim", "reply_minutes": 3},
    )
    too_long = api_client(manager).put(
        "/api/service/settings",
        {"organization": merchant.public_id, "assignment": "claim", "reply_minutes": 2000},
    )
    saved = api_client(manager).put(
        "/api/service/settings",
        {"organization": merchant.public_id, "assignment": "claim", "reply_minutes": 3},
    )
    chat.heartbeat(agent=agents[0])
    body = _hand_off(api_client, merchant, 1)

    assert by_agent.status_code == 403 and too_long.status_code == 422
    assert saved.json() == {
        "organization": merchant.public_id,
        "assignment": "claim",
        "reply_minutes": 3,
        "complaint_hours": 48,  # left out of the PUT: unchanged
    }
    assert body["status"] == "waiting"  # claim: it waits in the queue
    due = Conversation.objects.get(public_id=body["id"])
    assert (
        timedelta(minutes=2, seconds=55)
        < due.reply_due_at - due.handed_off_at
        <= timedelta(minutes=3)
    )
