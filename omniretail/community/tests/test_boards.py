"""Boards (频道): the seeded channels, posts with photos and #话题#, comments, likes once,
reports, removal by the author or a moderator, the same prohibited words and rate."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from omniretail.community import boards, moderation
from omniretail.community.models import Board, ModerationAction, Post
from omniretail.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniretail.testing.images import photo

pytestmark = pytest.mark.django_db


def test_the_six_channels_of_the_seed_are_there_in_order():
    assert [b.name for b in boards.boards()] == ["社交圈", "创投", "金融", "单身", "科技", "法律"]
    assert "不得推荐具体证券" in Board.objects.get(slug="finance").rules


def test_a_post_with_photos_and_topics_is_found_by_its_topic(people):
    (author,) = people(1)
    tech = boards.board("tech")
    post = boards.create_post(
        author=author,
        board=tech,
        title="新买的扫地机器人 #智能家居#",
        text="续航不错 #智能家居# #开箱#",
        photos=[photo("JPEG", "robot.jpg")],
    )
    assert boards.topics_of(post) == ["智能家居", "开箱"]
    assert len(post.photos) == 1 and post.photos[0].startswith("posts/")
    assert list(boards.posts(tech, topic="开箱")) == [post]
    assert list(boards.posts(tech, topic="开")) == []


def test_bad_posts_write_nothing(people, platform_staff):
    (author,) = people(1)
    social = boards.board("social")
    with pytest.raises(ValidationFailed):
        boards.create_post(author=author, board=social, title="长文", text="字" * 2001)
    fake = SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationFailed):
        boards.create_post(author=author, board=social, title="图", text="看图", photos=[fake])
    moderation.add_word(actor=platform_staff, word="代开发票")
    with pytest.raises(ValidationFailed):
        boards.create_post(author=author, board=social, title="服务", text="代 开 发 票")
    assert not Post.objects.exists()


def test_likes_count_once_and_comments_count(people):
    author, fan = people(2)
    post = boards.create_post(
        author=author, board=boards.board("social"), title="周末", text="爬山"
    )
    assert boards.like(user=fan, post=post) is True
    assert boards.like(user=fan, post=post) is False
    boards.comment(author=fan, post=post, text="带上我")
    post.refresh_from_db()
    assert (post.like_count, post.comment_count) == (1, 1)
    boards.unlike(user=fan, post=post)
    post.refresh_from_db()
    assert post.like_count == 0


def test_only_the_author_or_a_moderator_removes_and_each_act_is_audited(people, platform_staff):
    author, other, mod = people(3)
    law = boards.board("law")
    law.moderators.add(mod)
    post = boards.create_post(author=author, board=law, title="租房押金", text="房东不退押金怎么办")
    boards.report(reporter=other, post=post, reason="广告")
    with pytest.raises(Conflict):
        boards.report(reporter=other, post=post, reason="广告")
    with pytest.raises(PermissionDenied):
        boards.remove_post(actor=other, post=post)
    boards.remove_post(actor=mod, post=post, reason="违规")
    assert list(boards.posts(law)) == []
    assert list(ModerationAction.objects.order_by("id").values_list("action", flat=True)) == [
        "report_post",
        "remove_post",
    ]
