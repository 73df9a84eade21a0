"""Sending and reading chat messages. A message is checked (member, not muted, length,
prohibited words, the per-member rate), written, and only then broadcast; a refusal
writes nothing (but the audit of a prohibited word) and says why in a 4xx."""

import re
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from omniretail.accounts.models import User
from omniretail.accounts.selectors import require_user
from omniretail.community import cards, moderation, realtime
from omniretail.community.models import Group, Member, Message
from omniretail.community.selectors import active_member, membership, message_key
from omniretail.core import throttle, uploads
from omniretail.core.errors import NotFound, PermissionDenied, RateLimited, field_error
from omniretail.loyalty import coupons
from omniretail.loyalty.models import Coupon

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
    reply_to: str | None = None,
    now: datetime | None = None,
) -> Message:
    """Send one message: text (with @mentions), an image file (through core.uploads), or a
    card ({"kind": "product"|"groupbuy"|"coupon", "id": public id}) with an optional
    caption; optionally a reply to a message of the same group (its public id). Coupon
    cards are the group's owner's and admins' to post."""
    member = require_poster(author, group, now=now)
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
        if card.get("kind") == K.COUPON and member.role == Member.Role.MEMBER:
            raise PermissionDenied(_("只有群主和管理员可以发优惠券。"))
        snapshot = cards.resolve(str(card.get("kind", "")), str(card.get("id", "")))
        kind = K(snapshot["kind"])
        if kind == K.COUPON and snapshot["org"] not in ("", group.organization.public_id):
            raise field_error("card", _("只能发本群所属商家或平台的优惠券。"))
    quoted = None
    if reply_to:
        quoted = Message.objects.filter(group=group, public_id=str(reply_to)[:26]).first()
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
        # No read mark for the author: unread counts leave one's own messages out anyway.
        message.author = author
        realtime.after_commit(group, realtime.message_event(payload(message)))
    return message


def mark_read(*, user, group: Group, up_to: str) -> None:
    """Unread counts fall as a member reads up to a message (its public id); never
    backwards. An unknown id is 422 on `up_to`."""
    key = message_key(group, up_to, "up_to")
    Member.objects.filter(group=group, user=user, status=Member.Status.ACTIVE).update(
        last_read_id=Greatest(F("last_read_id"), key)
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
        "id": message.public_id,
        "kind": message.kind,
        "author": {"id": message.author.public_id, "name": author_name(message.author)},
        "text": "" if removed else message.text,
        "image": None if removed else uploads.photo_url(message.image),
        "card": {} if removed else message.card,
        "reply_to": (
            {
                "id": quoted.public_id,
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
    """A message of this group by its public id, or 404."""
    found = (
        Message.objects.filter(group=group, public_id=str(message_id or "")[:26])
        .select_related("author", "group")
        .first()
    )
    if found is None:
        raise NotFound(_("找不到该消息。"))
    return found


def claim_coupon(*, user, group: Group, message_id: str):
    """A member takes the coupon a card offers, through the 领券中心's one atomic claim
    (loyalty.coupons.claim_coupon: the template's conditional UPDATE under its total, the
    member's limit), keyed by the card: tapping it twice, or on two devices, gives one
    coupon. Sold out, over the limit or withdrawn: 409/404 with the reason, nothing written."""
    require_member(user, group)
    message = get_message(group, message_id)
    if message.kind != K.COUPON or message.removed_at is not None:
        raise NotFound(_("该消息没有可领取的优惠券。"))
    return coupons.claim_coupon(
        template_id=message.card["id"], user=user, idempotency_key=f"card:{message.public_id}"
    )


def coupon_states(user, messages) -> dict[str, dict]:
    """For each coupon card among `messages`, what this member sees on it, by message id:
    claimed (holds as many as a member may), left (null: no total), and whether it can
    still be claimed; two queries whatever the page."""
    ids = {m.card.get("id") for m in messages if m.kind == K.COUPON and m.card}
    if not ids:
        return {}
    templates = {t.public_id: t for t in coupons.claimable_templates().filter(public_id__in=ids)}
    held = dict(
        Coupon.objects.filter(user=user, template__in=list(templates.values()))
        .values("template")
        .annotate(n=Count("id"))
        .values_list("template", "n")
    )
    out = {}
    for m in messages:
        if m.kind != K.COUPON or not m.card:
            continue
        t = templates.get(m.card.get("id"))
        left = None if t is None or t.total_limit is None else t.total_limit - t.claimed_count
        claimed = t is not None and held.get(t.pk, 0) >= t.per_member_limit
        out[m.public_id] = {
            "claimed": claimed,
            "left": left,
            "claimable": t is not None and not claimed and left != 0,
        }
    return out
