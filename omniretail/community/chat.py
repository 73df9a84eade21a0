"""Sending and reading chat messages. A message is checked (member, not muted, length,
prohibited words, the per-member rate), written, and only then broadcast; a refusal
writes nothing (but the audit of a prohibited word) and says why in a 4xx."""

import re
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.accounts.selectors import require_user
from omniretail.community import cards, moderation, realtime
from omniretail.community.models import Group, Member, Message
from omniretail.community.selectors import active_member, membership
from omniretail.core import throttle, uploads
from omniretail.core.errors import NotFound, PermissionDenied, RateLimited, field_error

MAX_TEXT = 2000
MENTION = re.compile(r"@([^\s@]{1,60})")
K = Message.Kind


def require_member(user, group: Group) -> Member:
    """The person's active membership, or why they have none (403): banned, pending, not in."""
    require_user(user)
    member = active_member(user, group)
    if member is not None:
        return member
    row = membership(user, group)
    if row is not None and row.status == Member.Status.BANNED:
        raise PermissionDenied(_("您已被移出该群。"))
    if row is not None and row.status == Member.Status.PENDING:
        raise PermissionDenied(_("入群申请还在审核中，通过后才能发言。"))
    raise PermissionDenied(_("您不在该群中，不能发言。"))


def require_poster(user, group: Group, *, now: datetime | None = None) -> Member:
    """`require_member`, and not muted (403 saying until when)."""
    member = require_member(user, group)
    now = now or timezone.now()
    if member.muted_until and member.muted_until > now:
        until = date_format(timezone.localtime(member.muted_until), "Y-m-d H:i")
        raise PermissionDenied(_("您已被禁言至 %(until)s。") % {"until": until})
    return member


def _mentions(group: Group, text: str) -> list[str]:
    """@昵称 of members of this group, as their public ids (unknown names are just text)."""
    names = set(MENTION.findall(text))
    if not names:
        return []
    found = User.objects.filter(
        pk__in=Member.objects.filter(group=group, status=Member.Status.ACTIVE).values("user"),
    ).filter(display_name__in=names)
    return sorted({u.public_id for u in found})


def post_message(
    *,
    author,
    group: Group,
    text: str = "",
    image=None,
    card: dict | None = None,
    reply_to: int | None = None,
    now: datetime | None = None,
) -> Message:
    """Send one message: text (with @mentions), an image file (through core.uploads), or a
    card ({"kind": "product"|"groupbuy", "id": public id}) with an optional caption;
    optionally a reply to a message of the same group."""
    require_poster(author, group, now=now)
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise field_error(
            "text",
            _("一条消息不能超过 %(n)s 个字（现有 %(len)s 个）。")
            % {"n": MAX_TEXT, "len": len(text)},
        )
    if not text and image is None and not card:
        raise field_error("text", _("请输入内容。"))
    snapshot, kind = {}, K.TEXT
    if card:
        snapshot = cards.resolve(str(card.get("kind", "")), str(card.get("id", "")))
        kind = K(snapshot["kind"])
    quoted = None
    if reply_to:
        quoted = (
            Message.objects.filter(group=group, pk=reply_to).first() if reply_to < 2**63 else None
        )
        if quoted is None:
            raise field_error("reply_to", _("找不到要回复的消息。"))
    if text:
        moderation.screen(author=author, group=group, text=text)
    limit, window = throttle.rate(settings.OMNI_COMMUNITY_POST_RATE)
    wait = throttle.hit("community_post", f"{group.pk}:{author.pk}", limit, window)
    if wait is not None:
        raise RateLimited(_("发言太快了，请 %(s)s 秒后再试。") % {"s": wait}, retry_after=wait)
    with (
        uploads.saved_photos(
            [image] if image is not None else [], folder="chat", field="image"
        ) as names,
        transaction.atomic(),
    ):
        message = Message.objects.create(
            group=group,
            author=author,
            kind=K.IMAGE if names else kind,
            text=text,
            image=names[0] if names else "",
            card=snapshot,
            reply_to=quoted,
            mentions=_mentions(group, text),
        )
        Group.objects.filter(pk=group.pk).update(
            last_message_id=Greatest(F("last_message_id"), message.pk)
        )
        # The author has read everything up to their own message.
        Member.objects.filter(group=group, user=author).update(
            last_read_id=Greatest(F("last_read_id"), message.pk)
        )
        message.author = author
        realtime.after_commit(group, {"type": "chat.message", "message": payload(message)})
    return message


def mark_read(*, user, group: Group, up_to: int) -> None:
    """Unread counts fall as a member reads; never backwards."""
    latest = Group.objects.filter(pk=group.pk).values_list("last_message_id", flat=True).first()
    Member.objects.filter(group=group, user=user, status=Member.Status.ACTIVE).update(
        last_read_id=Greatest(F("last_read_id"), min(int(up_to), latest or 0))
    )


def author_name(user) -> str:
    if user.display_name:
        return user.display_name
    if user.phone:
        return f"{user.phone[:3]}****{user.phone[-4:]}"
    return user.username


def payload(message: Message) -> dict:
    """What a client is told of a message, over the socket and the JSON API alike."""
    removed = message.removed_at is not None
    quoted = message.reply_to
    return {
        "id": message.pk,
        "kind": message.kind,
        "author": {"id": message.author.public_id, "name": author_name(message.author)},
        "text": "" if removed else message.text,
        "image": None if removed else uploads.photo_url(message.image),
        "card": {} if removed else message.card,
        "reply_to": (
            {
                "id": quoted.pk,
                "author": author_name(quoted.author),
                "text": "" if quoted.removed_at else quoted.text[:80],
            }
            if quoted is not None
            else None
        ),
        "mentions": message.mentions,
        "removed": removed,
        "pinned": message.pinned_at is not None,
        "created_at": message.created_at.isoformat(),
    }


def get_message(group: Group, message_id) -> Message:
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        pk = 0
    if not 0 < pk < 2**63:
        raise NotFound(_("找不到该消息。"))
    found = Message.objects.filter(group=group, pk=pk).select_related("author", "group").first()
    if found is None:
        raise NotFound(_("找不到该消息。"))
    return found
