"""Moderation: report, mute (until a time), remove a message, ban; the platform's list of
prohibited words. Every act writes one `ModerationAction` row in the same transaction; a
message refused for a prohibited word is audited too, by a record that survives the
refusal's rollback (core.errors.refuse).

An admin acts on members only, the owner on admins too, platform operators on anyone but
the owner; nobody on themselves."""

import time
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.selectors import is_platform_operator, require_user
from omniretail.community import realtime
from omniretail.community.models import BannedWord, Group, Member, Message, ModerationAction, Report
from omniretail.community.selectors import active_member
from omniretail.community.services import _audit, _free_seat, _manager
from omniretail.community.text import fold
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, field_error, refuse

A, R, S = ModerationAction.Action, Member.Role, Member.Status
RANK = {R.OWNER: 3, R.ADMIN: 2, R.MEMBER: 1}
MAX_MUTE = timedelta(days=30)
_WORDS: tuple[float, list[str]] = (0.0, [])
WORDS_TTL_S = 5.0  # another process sees a change to the list within this


def _target(actor, group: Group, user_public_id: str) -> Member:
    acting = _manager(actor, group)
    target = (
        Member.objects.filter(group=group, user__public_id=user_public_id)
        .exclude(status=S.LEFT)
        .select_related("user")
        .first()
    )
    if target is None:
        raise NotFound(_("该用户不在群中。"))
    if target.user_id == actor.pk:
        raise Conflict(_("不能对自己这样做。"))
    mine = RANK[acting.role] if acting is not None else RANK[R.OWNER] - 0.5
    if RANK[target.role] >= mine:
        raise PermissionDenied(_("不能处理同级或更高级别的成员。"))
    return target


def mute(
    *, actor, group: Group, user_public_id: str, until: datetime, now: datetime | None = None
) -> Member:
    now = now or timezone.now()
    if timezone.is_naive(until):  # a time without an offset is the platform's local time
        until = timezone.make_aware(until)
    if until <= now or until - now > MAX_MUTE:
        raise field_error("until", _("禁言时间须在现在之后、30 天之内。"))
    target = _target(actor, group, user_public_id)
    with transaction.atomic():
        Member.objects.filter(pk=target.pk).update(muted_until=until)
        _audit(group, A.MUTE, actor, target=target.user, detail=until.isoformat())
    target.muted_until = until
    return target


def unmute(*, actor, group: Group, user_public_id: str) -> Member:
    target = _target(actor, group, user_public_id)
    with transaction.atomic():
        Member.objects.filter(pk=target.pk).update(muted_until=None)
        _audit(group, A.UNMUTE, actor, target=target.user)
    target.muted_until = None
    return target


def ban(*, actor, group: Group, user_public_id: str, reason: str = "") -> Member:
    """Out of the group for good (until unbanned): their seat is freed and their open
    sockets are told to close."""
    target = _target(actor, group, user_public_id)
    with transaction.atomic():
        was_active = Member.objects.filter(pk=target.pk, status=S.ACTIVE).exists()
        Member.objects.filter(pk=target.pk).update(status=S.BANNED, role=R.MEMBER)
        if was_active:
            _free_seat(group)
        _audit(group, A.BAN, actor, target=target.user, detail=reason)
        realtime.after_commit(group, {"type": "chat.banned", "user": target.user.public_id})
    target.status = S.BANNED
    return target


def unban(*, actor, group: Group, user_public_id: str) -> None:
    target = _target(actor, group, user_public_id)
    if target.status != S.BANNED:
        raise Conflict(_("该用户未被封禁。"))
    with transaction.atomic():
        Member.objects.filter(pk=target.pk).update(status=S.LEFT)
        _audit(group, A.UNBAN, actor, target=target.user)


def remove_message(*, actor, group: Group, message_id: int, now: datetime | None = None) -> Message:
    """An author takes back their own message; an admin removes anyone's below them."""
    message = Message.objects.filter(group=group, pk=message_id).select_related("author").first()
    if message is None:
        raise NotFound(_("找不到该消息。"))
    if message.removed_at is not None:
        return message
    if message.author_id != actor.pk:
        acting = _manager(actor, group)
        author = Member.objects.filter(group=group, user_id=message.author_id).first()
        rank = RANK[author.role] if author else RANK[R.MEMBER]
        mine = RANK[acting.role] if acting is not None else RANK[R.OWNER] - 0.5
        if rank >= mine:
            raise PermissionDenied(_("不能处理同级或更高级别的成员。"))
    elif active_member(actor, group) is None:
        raise PermissionDenied(_("您不在该群中。"))
    message.removed_at, message.pinned_at = now or timezone.now(), None
    with transaction.atomic():
        message.save(update_fields=["removed_at", "pinned_at"])
        Report.objects.filter(message=message).update(status=Report.Status.HANDLED)
        _audit(group, A.REMOVE, actor, target=message.author, message=message)
        realtime.after_commit(group, {"type": "chat.removed", "id": message.public_id})
    return message


def report(*, reporter, message: Message, reason: str) -> Report:
    """A member reports a message once; the group's admins see it in the members page."""
    require_user(reporter)
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise field_error("reason", _("请填写举报理由（200 字以内）。"))
    if active_member(reporter, message.group) is None:
        raise PermissionDenied(_("您不在该群中。"))
    try:
        with transaction.atomic():
            made = Report.objects.create(message=message, reporter=reporter, reason=reason)
            _audit(
                message.group,
                A.REPORT,
                reporter,
                target=message.author,
                message=message,
                detail=reason,
            )
    except IntegrityError:
        raise Conflict(_("您已举报过这条消息。")) from None
    return made


def open_reports(group: Group):
    return (
        Report.objects.filter(message__group=group, status=Report.Status.OPEN)
        .select_related("message__author", "reporter")
        .order_by("-id")
    )


# ------------------------------------------------------------- the prohibited words


def words() -> list[str]:
    """The list, folded, read from the database at most every WORDS_TTL_S per process."""
    global _WORDS
    read_at, cached = _WORDS
    if time.monotonic() - read_at > WORDS_TTL_S:
        cached = [fold(w) for w in BannedWord.objects.values_list("word", flat=True)]
        _WORDS = (time.monotonic(), cached)
    return cached


def _forget_words() -> None:
    global _WORDS
    _WORDS = (0.0, [])


def screen(*, author, group: Group, text: str) -> None:
    """Refuse a text holding a prohibited word (case, width and traditional forms folded),
    auditing the attempt without echoing the word back."""
    folded = fold(text)
    hit = next((w for w in words() if w and w in folded), None)
    if hit is None:
        return

    def record():
        ModerationAction.objects.create(
            group=group, action=A.BLOCKED, actor=author, target=author, detail=hit
        )

    refuse(field_error("text", _("消息包含违禁内容，未发送。")), record=record)


def add_word(*, actor, word: str) -> BannedWord:
    if not is_platform_operator(actor):
        raise PermissionDenied(_("违禁词由平台运营人员管理。"))
    word = (word or "").strip()
    if not word or len(word) > 40:
        raise field_error("word", _("违禁词须为 1 到 40 个字。"))
    try:
        with transaction.atomic():
            made = BannedWord.objects.create(word=word, created_by=actor)
            ModerationAction.objects.create(action=A.WORD_ADD, actor=actor, detail=word)
    except IntegrityError:
        raise Conflict(_("该违禁词已在列表中。")) from None
    _forget_words()
    return made


def remove_word(*, actor, word_id: str) -> None:
    """Remove the word whose public id is `word_id`."""
    if not is_platform_operator(actor):
        raise PermissionDenied(_("违禁词由平台运营人员管理。"))
    found = BannedWord.objects.filter(public_id=word_id).first()
    if found is None:
        raise NotFound(_("找不到该违禁词。"))
    with transaction.atomic():
        found.delete()
        ModerationAction.objects.create(action=A.WORD_REMOVE, actor=actor, detail=found.word)
    _forget_words()
