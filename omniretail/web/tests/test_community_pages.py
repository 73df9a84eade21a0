"""Community pages: the home tile opens the groups list, a group is created and joined by
its link, the chat's form and polling fallback, bad input refused with a clear 4xx and
nothing written, and the platform's prohibited-word page."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from omniretail.accounts.models import Membership, User
from omniretail.community import chat, moderation, services
from omniretail.community.models import BannedWord, Group, Member, Message
from omniretail.conftest import make_staff

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tea(platform):
    owner = make_staff(platform, "admin-wang", role=Membership.Role.OWNER)
    creator = User.objects.create(username="m13900000101", phone="13900000101", display_name="茶姐")
    reader = User.objects.create(username="m13900000102", phone="13900000102", display_name="阿明")
    group = services.create_group(creator=creator, name="龙井茶友群", scope="platform")
    services.join(user=reader, group=group)
    group.refresh_from_db()
    return group, owner, creator, reader


def test_the_home_tile_community_opens_the_groups_list(client, tea):
    home = client.get("/").content.decode()
    href = re.search(r'href="([^"]+)" data-testid="module-community"', home).group(1)
    assert href == "/community/"
    page = client.get(href).content.decode()
    assert "龙井茶友群" in page and "建群" in page


def test_a_shopper_creates_a_group_and_a_friend_joins_by_its_link(platform):
    me = User.objects.create(username="m13900000201", phone="13900000201")
    friend = User.objects.create(username="m13900000202", phone="13900000202")
    response = client_for(me).post(
        "/community/new/",
        {
            "name": "翠苑跑步群",
            "scope": "community",
            "community_name": "翠苑一区",
            "join_rule": "invite",
            "member_limit": "50",
        },
    )
    group = Group.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/community/g/{group.public_id}/"
    )
    members_page = client_for(me).get(f"/community/g/{group.public_id}/members/").content.decode()
    assert "<svg" in members_page and group.invite_token in members_page  # the QR and link

    other = client_for(friend)
    assert other.post(f"/community/g/{group.public_id}/join/").status_code == 403  # invite only
    landing = other.get(f"/community/join/{group.invite_token}/")
    assert landing.status_code == 200 and "加入该群" in landing.content.decode()
    other.post(f"/community/g/{group.public_id}/join/", {"token": group.invite_token})
    assert Member.objects.get(group=group, user=friend).status == "active"


def test_bad_group_input_is_shown_on_the_form(platform):
    me = User.objects.create(username="m13900000203", phone="13900000203")
    response = client_for(me).post("/community/new/", {"name": "", "scope": "platform"})
    assert response.status_code == 422
    assert "群名称须为 1 到 40 个字" in response.content.decode()
    assert not Group.objects.exists()


def test_a_message_sent_by_the_form_shows_in_the_poll_and_counts_as_unread(tea):
    group, _owner, creator, reader = tea
    response = client_for(creator).post(
        f"/community/g/{group.public_id}/send/", {"text": "今天新茶到店"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["HX-Trigger"] == "community-poll"
    listing = client_for(reader).get("/community/").content.decode()
    assert re.search(r'data-testid="unread"[^>]*>1<', listing)
    poll = client_for(reader).get(f"/community/g/{group.public_id}/messages/?after=")
    body = poll.content.decode()
    assert "今天新茶到店" in body and "hx-swap-oob" in body
    last = Message.objects.get().public_id
    assert f"?after={last}" in body  # the poller goes on from the new line
    listing = client_for(reader).get("/community/").content.decode()
    assert 'data-testid="unread"' not in listing  # read by the poll


@pytest.mark.parametrize(
    ("data", "status", "says"),
    [
        ({"text": "茶" * 2001}, 422, "一条消息不能超过 2000 个字"),
        ({"image": "not-an-image"}, 422, "不是 JPG、PNG 或 WebP 图片"),
    ],
)
def test_bad_messages_are_refused_with_a_clear_4xx_and_nothing_written(tea, data, status, says):
    group, _owner, creator, _reader = tea
    if data.get("image"):
        data = {"image": SimpleUploadedFile("a.jpg", b"GIF89a-nope", content_type="image/jpeg")}
    response = client_for(creator).post(
        f"/community/g/{group.public_id}/send/", data, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == status
    assert says in response.content.decode()
    assert not Message.objects.exists()


def test_a_stranger_and_a_muted_member_cannot_post(tea):
    group, _owner, creator, reader = tea
    stranger = User.objects.create(username="m13900000299", phone="13900000299")
    response = client_for(stranger).post(f"/community/g/{group.public_id}/send/", {"text": "广告"})
    assert response.status_code == 403 and "您不在该群中" in response.content.decode()
    moderation.mute(
        actor=creator,
        group=group,
        user_public_id=reader.public_id,
        until=timezone.now() + timedelta(hours=1),
    )
    response = client_for(reader).post(f"/community/g/{group.public_id}/send/", {"text": "为什么"})
    assert response.status_code == 403 and "您已被禁言至" in response.content.decode()
    assert (
        "您已被禁言至"
        in client_for(reader).get(f"/community/g/{group.public_id}/").content.decode()
    )
    assert not Message.objects.exists()


def test_an_admin_mutes_from_the_members_page_and_removes_a_reported_message(tea):
    group, _owner, creator, reader = tea
    bad = chat.post_message(author=reader, group=group, text="加微信领红包")
    client_for(creator).post(
        f"/community/g/{group.public_id}/m/{bad.public_id}/report/", {"reason": "广告"}
    )
    page = client_for(creator).get(f"/community/g/{group.public_id}/members/").content.decode()
    assert "加微信领红包" in page and "待处理举报" in page
    admin = client_for(creator)
    admin.post(f"/community/g/{group.public_id}/members/{reader.public_id}/mute/", {"for": "24h"})
    admin.post(f"/community/g/{group.public_id}/m/{bad.public_id}/remove/")
    assert Member.objects.get(group=group, user=reader).muted_until > timezone.now()
    bad.refresh_from_db()
    assert bad.removed_at is not None
    # a member cannot do the same to the admin
    response = client_for(reader).post(
        f"/community/g/{group.public_id}/members/{creator.public_id}/ban/"
    )
    assert response.status_code == 403


def test_a_product_is_shared_into_a_group_as_a_card(tea, sku):
    group, _owner, creator, _reader = tea
    product = sku.product
    page = client_for(creator).get(f"/community/share/?product={product.public_id}")
    assert product.name in page.content.decode()
    client_for(creator).post(
        "/community/share/", {"product": product.public_id, "group": group.public_id}
    )
    chat_page = client_for(creator).get(f"/community/g/{group.public_id}/").content.decode()
    assert f'href="/p/{product.public_id}/" data-testid="card"' in chat_page


def test_only_platform_operators_manage_the_prohibited_words(tea, platform_staff, merchant_staff):
    assert client_for(merchant_staff).get("/ops/community/words/").status_code == 403
    ops = client_for(platform_staff)
    assert ops.get("/ops/community/words/").status_code == 200
    ops.post("/ops/community/words/", {"word": "代开发票"})
    assert list(BannedWord.objects.values_list("word", flat=True)) == ["代开发票"]
    assert ops.post("/ops/community/words/", {"word": "代开发票"}).status_code == 409
    group, _owner, creator, _reader = tea
    response = client_for(creator).post(
        f"/community/g/{group.public_id}/send/", {"text": "可以 代开 发票"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422 and "违禁" in response.content.decode()


def test_the_console_removes_a_word_by_its_public_id(platform_staff):
    ops = client_for(platform_staff)
    ops.post("/ops/community/words/", {"word": "代开发票"})
    word = BannedWord.objects.get()
    assert (
        f'name="delete" value="{word.public_id}"'
        in ops.get("/ops/community/words/").content.decode()
    )
    assert ops.post("/ops/community/words/", {"delete": str(word.pk)}).status_code == 404
    ops.post("/ops/community/words/", {"delete": word.public_id})
    assert not BannedWord.objects.exists()


def test_an_unknown_message_id_in_the_poll_is_refused_rather_than_failing(tea):
    group, _owner, creator, _reader = tea
    chat.post_message(author=creator, group=group, text="在吗")
    huge = "9" * 30
    page = client_for(creator).get(f"/community/g/{group.public_id}/messages/?after={huge}")
    assert page.status_code == 422 and "找不到该消息" in page.content.decode()
    older = client_for(creator).get(f"/community/g/{group.public_id}/messages/?before={huge}")
    assert older.status_code == 422 and "在吗" not in older.content.decode()
    assert (
        client_for(creator).get(f"/community/g/{group.public_id}/m/{huge}/report/").status_code
        == 404
    )


def test_a_board_post_is_written_commented_and_liked_on_its_pages(tea):
    _group, _owner, creator, reader = tea
    assert "社交圈" in client_for(reader).get("/community/boards/").content.decode()
    made = client_for(creator).post(
        "/community/boards/social/", {"title": "周末爬山", "text": "宝石山见 #户外#"}
    )
    assert made.status_code == 302
    url = made["Location"]
    client_for(reader).post(url + "comment/", {"text": "我也去"})
    client_for(reader).post(url + "like/")
    page = client_for(reader).get(url).content.decode()
    assert "我也去" in page and "♥ 1" in page and "#户外#" in page
    listing = client_for(reader).get("/community/boards/social/?topic=户外").content.decode()
    assert "周末爬山" in listing
    refused = client_for(reader).post("/community/boards/social/", {"title": "", "text": "x"})
    assert refused.status_code == 422 and "标题须为 1 到 60 个字" in refused.content.decode()


def test_a_coupon_card_on_the_chat_page_is_claimed_from_its_button(tea):
    """The owner posts a coupon of the 领券中心 from the page; a member taps 领取 on the
    card and sees 已领取 there next time."""
    from omniretail.loyalty import coupons

    group, owner, _creator, reader = tea
    template = coupons.define_template(
        org=None, name="平台 满30减5", kind="amount", amount_off="5", is_public=True
    )
    posted = client_for(owner).post(
        f"/community/g/{group.public_id}/send/",
        {"card_kind": "coupon", "card_id": template.public_id, "text": "群福利"},
    )
    card = Message.objects.get(kind="coupon")
    page = client_for(reader).get(f"/community/g/{group.public_id}/")
    claimed = client_for(reader).post(f"/community/g/{group.public_id}/m/{card.public_id}/claim/")
    after = client_for(reader).get(f"/community/g/{group.public_id}/")
    owners = client_for(owner).get(f"/community/g/{group.public_id}/")

    assert posted.status_code == 302
    assert 'data-testid="coupon-claim"' in page.content.decode()
    assert 'data-testid="coupon-card-form"' not in page.content.decode()  # a member
    assert claimed.status_code == 302
    assert 'data-testid="coupon-claimed"' in after.content.decode()
    assert 'data-testid="coupon-card-form"' in owners.content.decode()
