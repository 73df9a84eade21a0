"""Chat messages and moderation: what is written, what is refused (and that a refusal
writes nothing), cards, replies, mentions, history, unread counts, the audit."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from omniretail.community import chat, moderation, selectors, services
from omniretail.community.models import Message, ModerationAction, Report
from omniretail.core.errors import Conflict, PermissionDenied, RateLimited, ValidationFailed
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(platform_admin, people):
    creator, a, b = people(3)
    group = services.create_group(creator=creator, name="茶友群", scope="platform")
    services.join(user=a, group=group)
    services.join(user=b, group=group)
    group.refresh_from_db()
    return group, creator, a, b


def test_text_with_a_mention_and_a_reply(room):
    group, _creator, a, b = room
    first = chat.post_message(author=a, group=group, text="今年的明前龙井到了吗？")
    reply = chat.post_message(
        author=b, group=group, text="@小王1 到了，周末去门店", reply_to=first.public_id
    )

    assert reply.mentions == [a.public_id]
    shown = chat.payload(reply)
    assert shown["id"] == reply.public_id and len(reply.public_id) == 26  # a ULID, not a key
    assert shown["reply_to"] == {
        "id": first.public_id,
        "author": "小王1",
        "text": "今年的明前龙井到了吗？",
    }
    group.refresh_from_db()
    assert group.last_message_id == reply.pk


def test_a_message_over_2000_characters_is_refused_and_nothing_written(room):
    group, _creator, a, _b = room
    with pytest.raises(ValidationFailed) as refused:
        chat.post_message(author=a, group=group, text="茶" * 2001)
    assert "2000" in str(refused.value.fields["text"][0])
    assert not Message.objects.exists()
    chat.post_message(author=a, group=group, text="茶" * 2000)  # the limit itself is allowed


def test_posting_to_a_group_one_is_not_in_is_refused(room, people):
    group, *_ = room
    (stranger,) = people(1)
    with pytest.raises(PermissionDenied):
        chat.post_message(author=stranger, group=group, text="路过打个广告")
    assert not Message.objects.exists()


def test_an_image_that_is_not_an_image_is_refused(room):
    group, _creator, a, _b = room
    fake = SimpleUploadedFile("tea.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as refused:
        chat.post_message(author=a, group=group, image=fake)
    assert "image" in refused.value.fields
    assert not Message.objects.exists()

    sent = chat.post_message(author=a, group=group, image=photo("PNG", "tea.png"))
    assert sent.kind == "image" and chat.payload(sent)["image"].endswith(".png")


def test_a_product_card_is_a_snapshot_linking_to_the_product(room, sku):
    group, _creator, a, _b = room
    product = sku.product
    sent = chat.post_message(
        author=a,
        group=group,
        text="这款面膜好用",
        card={"kind": "product", "id": product.public_id},
    )
    assert sent.kind == "product"
    assert sent.card == {
        "kind": "product",
        "id": product.public_id,
        "title": product.name,
        "price": "¥39.90",
        "url": f"/p/{product.public_id}/",
    }
    with pytest.raises(ValidationFailed):
        chat.post_message(author=a, group=group, card={"kind": "product", "id": "nope"})
    with pytest.raises(ValidationFailed):
        chat.post_message(author=a, group=group, card={"kind": "coupon-of-evil", "id": "x"})
    assert Message.objects.count() == 1


def test_a_muted_member_cannot_post_until_the_mute_ends(room):
    group, creator, a, _b = room
    now = timezone.now()
    moderation.mute(
        actor=creator,
        group=group,
        user_public_id=a.public_id,
        until=now + timedelta(hours=1),
        now=now,
    )
    with pytest.raises(PermissionDenied) as refused:
        chat.post_message(author=a, group=group, text="我还能说话吗", now=now)
    assert "禁言" in str(refused.value.message)
    assert not Message.objects.exists()
    chat.post_message(author=a, group=group, text="解禁了", now=now + timedelta(hours=2))
    assert ModerationAction.objects.filter(action="mute", target=a).count() == 1


def test_an_admin_cannot_mute_the_owner_or_another_admin(room, platform_admin):
    group, creator, a, _b = room
    services.set_role(actor=platform_admin, group=group, user_public_id=a.public_id, role="admin")
    until = timezone.now() + timedelta(hours=1)
    for target in (platform_admin, a):
        with pytest.raises(PermissionDenied):
            moderation.mute(
                actor=creator, group=group, user_public_id=target.public_id, until=until
            )
    assert not ModerationAction.objects.filter(action="mute").exists()


def test_a_member_cannot_mute_anyone(room):
    group, _creator, a, b = room
    with pytest.raises(PermissionDenied):
        moderation.mute(
            actor=a,
            group=group,
            user_public_id=b.public_id,
            until=timezone.now() + timedelta(hours=1),
        )


def test_report_then_remove_marks_the_report_handled_and_audits_both(room):
    group, creator, a, b = room
    bad = chat.post_message(author=b, group=group, text="加我微信买便宜货")
    moderation.report(reporter=a, message=bad, reason="广告")
    with pytest.raises(Conflict):
        moderation.report(reporter=a, message=bad, reason="广告")
    moderation.remove_message(actor=creator, group=group, message_id=bad.pk)

    bad.refresh_from_db()
    assert bad.removed_at is not None and chat.payload(bad)["text"] == ""
    assert Report.objects.get().status == "handled"
    assert list(ModerationAction.objects.order_by("id").values_list("action", flat=True)) == [
        "report",
        "remove",
    ]


def test_a_banned_member_is_out_and_cannot_come_back(room):
    group, creator, a, _b = room
    moderation.ban(actor=creator, group=group, user_public_id=a.public_id, reason="刷屏")
    group.refresh_from_db()
    assert group.member_count == 3
    with pytest.raises(PermissionDenied):
        chat.post_message(author=a, group=group, text="我又来了")
    with pytest.raises(PermissionDenied):
        services.join(user=a, group=group)
    with pytest.raises(PermissionDenied):
        services.join(user=a, group=group, token=group.invite_token)


def test_a_prohibited_word_is_refused_in_any_spacing_and_the_attempt_audited(room, platform_staff):
    group, _creator, a, _b = room
    moderation.add_word(actor=platform_staff, word="赌博")
    with pytest.raises(PermissionDenied):
        moderation.add_word(actor=a, word="龙井")
    with pytest.raises(ValidationFailed) as refused:
        chat.post_message(author=a, group=group, text="来玩 赌-博 游戏")
    assert "违禁" in str(refused.value.fields["text"][0])
    assert not Message.objects.exists()
    blocked = ModerationAction.objects.get(action="blocked")
    assert blocked.actor == a and blocked.detail == "赌博"
    assert ModerationAction.objects.filter(action="word_add").count() == 1


def test_the_per_member_rate_limit(room, settings):
    settings.OMNI_COMMUNITY_POST_RATE = "3/60"
    group, _creator, a, b = room
    for i in range(3):
        chat.post_message(author=a, group=group, text=f"第{i}条")
    with pytest.raises(RateLimited):
        chat.post_message(author=a, group=group, text="第4条")
    chat.post_message(author=b, group=group, text="别人不受影响")
    assert Message.objects.count() == 4


def test_history_pages_and_unread_counts(room):
    group, _creator, a, b = room
    sent = [chat.post_message(author=a, group=group, text=f"消息{i}") for i in range(7)]

    assert [m.pk for m in selectors.history(group, limit=3)] == [m.pk for m in sent[-3:]]
    older = selectors.history(group, before=sent[-3].public_id, limit=3)
    assert [m.pk for m in older] == [m.pk for m in sent[1:4]]
    after = selectors.history(group, after=sent[4].public_id)
    assert [m.pk for m in after] == [m.pk for m in sent[5:]]

    unread = {g.pk: g.unread for g in selectors.my_groups(b)}
    assert unread[group.pk] == 7
    assert {g.pk: g.unread for g in selectors.my_groups(a)}[group.pk] == 0  # their own
    chat.mark_read(user=b, group=group, up_to=sent[3].public_id)
    assert {g.pk: g.unread for g in selectors.my_groups(b)}[group.pk] == 3
