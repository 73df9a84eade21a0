"""/api/community: the same rules over JSON, refusals in the error envelope."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from omniretail.community import services
from omniretail.community.models import BannedWord, Message
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(platform_admin, people):
    creator, member, stranger = people(3)
    group = services.create_group(creator=creator, name="咖啡群", scope="platform")
    services.join(user=member, group=group)
    return group, creator, member, stranger


def test_create_join_send_and_read_history(api_client, platform_admin, people):
    creator, friend = people(2)
    made = api_client(creator).post(
        "/api/community/groups", {"name": "咖啡群", "join_rule": "approval", "member_limit": 20}
    )
    assert made.status_code == 201, made.content
    group = made.json()
    assert group["role"] == "admin" and group["invite_token"]

    asked = api_client(friend).post(f"/api/community/groups/{group['id']}/join", {})
    assert asked.json()["status"] == "pending"
    assert (
        api_client(friend).get(f"/api/community/groups/{group['id']}/messages").status_code == 403
    )
    approved = api_client(creator).post(
        f"/api/community/groups/{group['id']}/members/{friend.public_id}/approve"
    )
    assert approved.json()["status"] == "active"

    sent = api_client(friend).post(
        f"/api/community/groups/{group['id']}/messages", {"text": "@小王0 下午喝咖啡吗"}
    )
    assert sent.status_code == 201
    assert sent.json()["mentions"] == [creator.public_id]
    history = api_client(creator).get(f"/api/community/groups/{group['id']}/messages?limit=10")
    assert [m["text"] for m in history.json()] == ["@小王0 下午喝咖啡吗"]
    mine = api_client(creator).get("/api/community/groups").json()
    assert mine[0]["unread"] == 1


def test_refusals_come_in_the_error_envelope_and_write_nothing(api_client, room):
    group, _creator, member, stranger = room
    url = f"/api/community/groups/{group.public_id}/messages"

    too_long = api_client(member).post(url, {"text": "咖" * 2001})
    assert too_long.status_code == 422
    assert "2000" in too_long.json()["error"]["fields"]["text"][0]
    outsider = api_client(stranger).post(url, {"text": "你好"})
    assert outsider.status_code == 403
    assert outsider.json()["error"]["message"] == "您不在该群中，不能发言。"
    fake = api_client(member).post_form(
        f"/api/community/groups/{group.public_id}/images",
        {"image": SimpleUploadedFile("a.png", b"not a png", content_type="image/png")},
    )
    assert fake.status_code == 422 and "image" in fake.json()["error"]["fields"]
    assert not Message.objects.exists()

    ok = api_client(member).post_form(
        f"/api/community/groups/{group.public_id}/images", {"image": photo("JPEG", "a.jpg")}
    )
    assert ok.status_code == 201 and ok.json()["kind"] == "image"


def test_a_muted_member_gets_403_until_unmuted(api_client, room):
    group, creator, member, _stranger = room
    muted = api_client(creator).post(
        f"/api/community/groups/{group.public_id}/members/{member.public_id}/mute",
        {"until": "2099-01-01T00:00:00+08:00"},
    )
    assert muted.status_code == 422  # more than 30 days
    until = (timezone.now() + timedelta(hours=2)).isoformat()
    assert (
        api_client(creator)
        .post(
            f"/api/community/groups/{group.public_id}/members/{member.public_id}/mute",
            {"until": until},
        )
        .status_code
        == 200
    )
    refused = api_client(member).post(
        f"/api/community/groups/{group.public_id}/messages", {"text": "hello"}
    )
    assert refused.status_code == 403 and "禁言" in refused.json()["error"]["message"]


def test_words_are_for_platform_operators(api_client, room, platform_staff):
    _group, _creator, member, _stranger = room
    assert api_client(member).post("/api/community/words", {"word": "赌博"}).status_code == 403
    made = api_client(platform_staff).post("/api/community/words", {"word": "赌博"})
    assert made.status_code == 201
    assert api_client(platform_staff).get("/api/community/words").json() == [made.json()]


def test_a_word_is_named_by_its_public_id_never_its_row_key(api_client, platform_staff):
    ops = api_client(platform_staff)
    made = ops.post("/api/community/words", {"word": "代开发票"}).json()
    word = BannedWord.objects.get()
    assert made == {"id": word.public_id, "word": "代开发票"} and len(made["id"]) == 26

    assert ops.delete(f"/api/community/words/{word.pk}").status_code == 404
    assert BannedWord.objects.exists()
    assert ops.delete(f"/api/community/words/{made['id']}").status_code == 204
    assert not BannedWord.objects.exists()
    assert ops.delete(f"/api/community/words/{made['id']}").status_code == 404
