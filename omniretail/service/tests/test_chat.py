"""The shopper's chat: the assistant answers, hands off when asked or unsure, the queue,
claiming, the 409 for another agent's conversation, offline messages and the rating."""

import pytest
from django.contrib.auth import get_user_model

from omniretail.accounts.models import Membership
from omniretail.conftest import make_staff
from omniretail.notifications.models import Notification
from omniretail.service import chat, demo, services
from omniretail.service.models import Conversation, Message


@pytest.fixture
def shopper(db):
    return get_user_model().objects.create(username="m13800138000", phone="13800138000")


@pytest.fixture
def kb(platform):
    demo.load_kb(
        actor=make_staff(platform, "kb-editor"), organization=platform, entries=demo.PLATFORM_KB
    )
    return platform


@pytest.fixture
def agents(merchant):
    role = Membership.Role.CUSTOMER_SERVICE
    return make_staff(merchant, "cs-li", role=role), make_staff(merchant, "cs-wang", role=role)


def test_the_assistant_answers_a_question_of_the_knowledge_base(api_client, shopper, kb):
    response = api_client(shopper).post("/api/service/ask", {"text": "積分會過期嗎？"})

    body = response.json()
    assert response.status_code == 200
    assert [m["sender"] for m in body["messages"]] == ["shopper", "bot"]
    assert "一年内有效" in body["messages"][1]["text"]
    assert body["status"] == "bot"


def test_asking_for_a_person_with_an_agent_online_queues_the_conversation(
    api_client, shopper, kb, merchant, agents
):
    """A merchant whose agents claim (round robin is the default: test_agents.py)."""
    services.configure(
        actor=make_staff(merchant, "cs-owner"),
        organization=merchant,
        assignment="claim",
        reply_minutes=10,
    )
    chat.heartbeat(agent=agents[0])

    body = (
        api_client(shopper)
        .post("/api/service/ask", {"text": "转人工", "merchant": merchant.public_id})
        .json()
    )
    queue = api_client(agents[1]).get("/api/service/agent/queue").json()

    assert body["status"] == "waiting"
    assert [q["id"] for q in queue] == [body["id"]]


def test_an_agent_answering_a_conversation_another_agent_holds_gets_409(
    api_client, shopper, kb, merchant, agents
):
    li, wang = agents
    chat.heartbeat(agent=li)
    conversation = (
        api_client(shopper)
        .post("/api/service/ask", {"text": "我要人工客服", "merchant": merchant.public_id})
        .json()["id"]
    )
    url = f"/api/service/agent/conversations/{conversation}"

    claimed = api_client(li).post(f"{url}/claim")
    stolen = api_client(wang).post(f"{url}/messages", {"text": "您好，我来处理"})
    note = api_client(wang).post(
        f"{url}/messages", {"text": "这位顾客上周投诉过", "internal": True}
    )
    answered = api_client(li).post(f"{url}/messages", {"text": "您好，请问有什么可以帮您？"})
    seen = api_client(shopper).get(f"/api/service/conversations/{conversation}").json()

    assert claimed.status_code == 200
    assert stolen.status_code == 409
    assert stolen.json()["error"]["code"] == "assigned_to_another"
    assert note.status_code == 201 and answered.status_code == 201
    texts = [m["text"] for m in seen["messages"]]
    assert "您好，请问有什么可以帮您？" in texts
    assert "这位顾客上周投诉过" not in texts  # notes are the agents' own
    assert not Message.objects.filter(text="您好，我来处理").exists()


def test_a_rival_merchants_agent_does_not_see_the_conversation(
    api_client, shopper, kb, merchant, agents, other_merchant_staff
):
    chat.heartbeat(agent=agents[0])
    conversation = (
        api_client(shopper)
        .post("/api/service/ask", {"text": "转人工", "merchant": merchant.public_id})
        .json()["id"]
    )

    response = api_client(other_merchant_staff).post(
        f"/api/service/agent/conversations/{conversation}/claim"
    )

    assert response.status_code == 404


def test_with_no_agent_online_the_hand_off_is_an_offline_message_answered_by_sms(
    api_client, shopper, kb, merchant, agents
):
    body = (
        api_client(shopper)
        .post(
            "/api/service/ask", {"text": "我想找人工问问发票的事", "merchant": merchant.public_id}
        )
        .json()
    )
    api_client(shopper).post(
        "/api/service/ask", {"text": "公司抬头是杭州某某有限公司", "merchant": merchant.public_id}
    )

    reply = api_client(agents[0]).post(
        f"/api/service/agent/conversations/{body['id']}/messages",
        {"text": "发票已开好，请查收邮箱"},
    )

    assert body["status"] == "offline"
    assert "没有客服在线" in body["messages"][-1]["text"]
    assert reply.status_code == 201
    assert Notification.objects.filter(user=shopper, title="客服回复了您的留言").exists()


def test_an_unsure_answer_hands_off_instead_of_guessing(api_client, shopper, kb):
    body = api_client(shopper).post("/api/service/ask", {"text": "明天杭州会下雨吗"}).json()

    assert body["status"] == "offline"  # nobody online at the platform either


def test_the_shopper_rates_a_closed_conversation_once(api_client, shopper, kb, merchant, agents):
    li = agents[0]
    chat.heartbeat(agent=li)
    conversation = (
        api_client(shopper)
        .post("/api/service/ask", {"text": "转人工", "merchant": merchant.public_id})
        .json()["id"]
    )
    early = api_client(shopper).post(
        f"/api/service/conversations/{conversation}/rating", {"rating": 5}
    )
    api_client(li).post(
        f"/api/service/agent/conversations/{conversation}/messages", {"text": "好的"}
    )
    api_client(li).post(f"/api/service/agent/conversations/{conversation}/close")

    rated = api_client(shopper).post(
        f"/api/service/conversations/{conversation}/rating", {"rating": 4, "comment": "回复很快"}
    )
    twice = api_client(shopper).post(
        f"/api/service/conversations/{conversation}/rating", {"rating": 1}
    )
    out_of_range = api_client(shopper).post(
        f"/api/service/conversations/{conversation}/rating", {"rating": 9}
    )

    assert early.status_code == 409
    assert rated.status_code == 200 and rated.json()["rating"] == 4
    assert twice.status_code == 409 and out_of_range.status_code == 422
    assert Conversation.objects.get(public_id=conversation).rating == 4


def test_a_message_over_2000_characters_is_refused_and_stores_nothing(api_client, shopper, kb):
    response = api_client(shopper).post("/api/service/ask", {"text": "啊" * 2001})

    assert response.status_code == 422
    assert not Message.objects.exists()


def test_the_assistant_answers_where_my_order_is_from_my_own_orders(api_client, shopper, kb):
    body = api_client(shopper).post("/api/service/ask", {"text": "我的订单到哪了"}).json()

    assert body["messages"][-1]["text"] == "您还没有订单。"
