"""Boards (频道, seed 000 [0037]): posts with photos and #话题# topics, comments, likes,
reports. The same prohibited words and per-member rate as the chat; a board's moderators
(and platform operators) remove posts and comments, audited like every other act."""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator, require_user
from omniretail.community import moderation
from omniretail.community.models import (
    Board,
    Comment,
    Like,
    ModerationAction,
    Post,
    PostReport,
)
from omniretail.core import throttle, uploads
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, RateLimited, field_error

TOPIC = re.compile(r"#([^#\s]{1,20})#")
MAX_TOPICS = 5
A = ModerationAction.Action


def boards() -> QuerySet[Board]:
    return Board.objects.filter(is_active=True)


def board(slug: str) -> Board:
    found = boards().filter(slug=str(slug)[:30]).first()
    if found is None:
        raise NotFound(_("找不到该频道。"))
    return found


def posts(board: Board, *, topic: str = "") -> QuerySet[Post]:
    qs = Post.objects.filter(board=board, removed_at__isnull=True).select_related("author")
    if topic:
        qs = qs.filter(topics__contains=f"#{topic}#")
    return qs.order_by("-id")


def topics_of(post: Post) -> list[str]:
    return TOPIC.findall(post.topics)


def post(public_id: str) -> Post:
    found = (
        Post.objects.filter(public_id=str(public_id)[:26], removed_at__isnull=True)
        .select_related("board", "author")
        .first()
    )
    if found is None:
        raise NotFound(_("找不到该帖子。"))
    return found


def _rate(author) -> None:
    limit, window = throttle.rate(settings.OMNI_COMMUNITY_POST_RATE)
    wait = throttle.hit("community_board", str(author.pk), limit, window)
    if wait is not None:
        raise RateLimited(_("发言太快了，请 %(s)s 秒后再试。") % {"s": wait}, retry_after=wait)


def create_post(*, author, board: Board, title: str, text: str, photos=()) -> Post:
    require_user(author)
    title, text = (title or "").strip(), (text or "").strip()
    if not title or len(title) > 60:
        raise field_error("title", _("标题须为 1 到 60 个字。"))
    if not text or len(text) > 2000:
        raise field_error("text", _("正文须为 1 到 2000 个字。"))
    moderation.screen(author=author, group=None, text=f"{title}\n{text}")
    found = list(dict.fromkeys(TOPIC.findall(f"{title} {text}")))[:MAX_TOPICS]
    topics = "".join(f"#{t}#" for t in found)
    _rate(author)
    with uploads.saved_photos(photos, folder="posts") as names:
        return Post.objects.create(
            board=board, author=author, title=title, text=text, photos=names, topics=topics
        )


def comment(*, author, post: Post, text: str) -> Comment:
    require_user(author)
    text = (text or "").strip()
    if not text or len(text) > 500:
        raise field_error("text", _("评论须为 1 到 500 个字。"))
    moderation.screen(author=author, group=None, text=text)
    _rate(author)
    with transaction.atomic():
        made = Comment.objects.create(post=post, author=author, text=text)
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    return made


def like(*, user, post: Post) -> bool:
    """Like once; a second like changes nothing. True when this call added it."""
    require_user(user)
    try:
        with transaction.atomic():
            Like.objects.create(post=post, user=user)
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
    except IntegrityError:
        return False
    return True


def unlike(*, user, post: Post) -> None:
    with transaction.atomic():
        if Like.objects.filter(post=post, user=user).delete()[0]:
            Post.objects.filter(pk=post.pk, like_count__gt=0).update(like_count=F("like_count") - 1)


def report(*, reporter, post: Post, reason: str) -> PostReport:
    require_user(reporter)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise field_error("reason", _("请填写举报理由（200 字以内）。"))
    try:
        with transaction.atomic():
            made = PostReport.objects.create(post=post, reporter=reporter, reason=reason)
            ModerationAction.objects.create(
                action=A.REPORT_POST, actor=reporter, target=post.author, post=post, detail=reason
            )
    except IntegrityError:
        raise Conflict(_("您已举报过这个帖子。")) from None
    return made


def moderates(user, board: Board) -> bool:
    return is_platform_operator(user) or board.moderators.filter(pk=user.pk).exists()


def remove_post(*, actor, post: Post, reason: str = "") -> None:
    """The author takes back their own post; a board's moderators remove anyone's."""
    if post.author_id != actor.pk and not moderates(actor, post.board):
        raise PermissionDenied(_("仅作者和版主可以删除帖子。"))
    with transaction.atomic():
        Post.objects.filter(pk=post.pk).update(removed_at=timezone.now())
        PostReport.objects.filter(post=post).update(status="handled")
        ModerationAction.objects.create(
            action=A.REMOVE_POST, actor=actor, target=post.author, post=post, detail=reason[:200]
        )


def remove_comment(*, actor, comment_id: int) -> None:
    found = (
        Comment.objects.filter(pk=comment_id, removed_at__isnull=True)
        .select_related("post__board")
        .first()
        if 0 < comment_id < 2**63
        else None
    )
    if found is None:
        raise NotFound(_("找不到该评论。"))
    if found.author_id != actor.pk and not moderates(actor, found.post.board):
        raise PermissionDenied(_("仅作者和版主可以删除评论。"))
    with transaction.atomic():
        Comment.objects.filter(pk=found.pk).update(removed_at=timezone.now())
        Post.objects.filter(pk=found.post_id, comment_count__gt=0).update(
            comment_count=F("comment_count") - 1
        )
        ModerationAction.objects.create(
            action=A.REMOVE_COMMENT,
            actor=actor,
            target=found.author,
            post=found.post,
            detail=found.text[:200],
        )
