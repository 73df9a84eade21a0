"""Community over JSON, mounted at /api/community: groups, joining, messages (history, send,
image, report, remove, pin, read), members and moderation, and the platform's prohibited
words. The live stream is the WebSocket /ws/community/<group>/ (docs/community.md)."""

from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from omniretail.accounts.auth import AUTH
from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import is_platform_operator
from omniretail.community import chat, moderation, selectors, services
from omniretail.community.models import BannedWord, Group, Member
from omniretail.community.schemas import (
    CommunityBanIn,
    CommunityCouponClaimOut,
    CommunityGroupIn,
    CommunityGroupOut,
    CommunityGroupSettingsIn,
    CommunityJoinIn,
    CommunityMemberOut,
    CommunityMessageIn,
    CommunityMessageOut,
    CommunityMuteIn,
    CommunityPinIn,
    CommunityReadIn,
    CommunityReportIn,
    CommunityRoleIn,
    CommunityWordIn,
    CommunityWordOut,
)
from omniretail.core.errors import PermissionDenied, field_error
from omniretail.stores.models import Store

router = Router(tags=["community"], auth=AUTH)


def _group_out(group: Group, member: Member | None = None, last: dict | None = None) -> dict:
    manages = member is not None and member.role in (Member.Role.OWNER, Member.Role.ADMIN)
    return {
        "id": group.public_id,
        "name": group.name,
        "description": group.description,
        "scope": group.scope,
        "organization": group.organization.public_id,
        "store": group.store.public_id if group.store_id else None,
        "community_name": group.community_name,
        "join_rule": group.join_rule,
        "member_limit": group.member_limit,
        "member_count": group.member_count,
        "announcement": group.announcement,
        "last_message_id": (last if last is not None else selectors.last_message_ids([group])).get(
            group.pk
        ),
        "unread": getattr(group, "unread", None),
        "role": member.role if member and member.status == Member.Status.ACTIVE else None,
        "invite_token": group.invite_token if manages else None,
    }


def _mine(request, group_id: str) -> Group:
    """A group the caller is an active member of (reading it needs that)."""
    group = selectors.group(group_id)
    chat.require_member(request.auth, group)
    return group


# ------------------------------------------------------------------------ groups


@router.get("/groups", response=list[CommunityGroupOut])
def my_groups(request):
    """The caller's groups, newest conversation first, with unread counts."""
    mine = selectors.my_groups(request.auth)
    last = selectors.last_message_ids(mine)
    return [{**_group_out(g, last=last), "role": g.my_role, "unread": g.unread} for g in mine]


@router.get("/groups/discover", response=list[CommunityGroupOut])
def discover(request):
    found = list(selectors.discoverable()[:100])
    last = selectors.last_message_ids(found)
    return [_group_out(g, last=last) for g in found]


@router.post("/groups", response={201: CommunityGroupOut})
def create_group(request, payload: CommunityGroupIn):
    merchant = store = None
    if payload.merchant:
        merchant = Organization.objects.filter(
            public_id=payload.merchant, kind=Organization.Kind.MERCHANT, is_active=True
        ).first()
        if merchant is None:
            raise field_error("merchant", _("找不到该商家。"))
    if payload.store:
        store = Store.objects.filter(public_id=payload.store, is_active=True).first()
        if store is None:
            raise field_error("store", _("找不到该门店。"))
    group = services.create_group(
        creator=request.auth,
        name=payload.name,
        description=payload.description,
        scope=payload.scope,
        merchant=merchant,
        store=store,
        community_name=payload.community_name,
        join_rule=payload.join_rule,
        member_limit=payload.member_limit,
    )
    return Status(201, _group_out(group, selectors.membership(request.auth, group)))


@router.get("/groups/{group_id}", response=CommunityGroupOut)
def group_detail(request, group_id: str):
    group = selectors.group(group_id)
    return _group_out(group, selectors.membership(request.auth, group))


@router.patch("/groups/{group_id}", response=CommunityGroupOut)
def group_settings(request, group_id: str, payload: CommunityGroupSettingsIn):
    group = services.update_settings(
        actor=request.auth,
        group=selectors.group(group_id),
        announcement=payload.announcement,
        join_rule=payload.join_rule,
        member_limit=payload.member_limit,
    )
    return _group_out(group, selectors.membership(request.auth, group))


@router.post("/groups/{group_id}/join", response=CommunityMemberOut)
def join(request, group_id: str, payload: CommunityJoinIn):
    """Open: joined; approval: pending; invite only: with the invitation `token`."""
    member = services.join(user=request.auth, group=selectors.group(group_id), token=payload.token)
    return _member_out(member)


@router.post("/groups/{group_id}/leave", response={204: None})
def leave(request, group_id: str):
    services.leave(user=request.auth, group=selectors.group(group_id))
    return Status(204, None)


# ------------------------------------------------------------------------ messages


@router.get("/groups/{group_id}/messages", response=list[CommunityMessageOut])
def messages(
    request,
    group_id: str,
    before: str = Query("", max_length=26),
    after: str = Query("", max_length=26),
    limit: int = Query(50, ge=1, le=200),
):
    """The latest `limit` messages in order, or the page before the message `before`
    (older), or those after the message `after` (what a client missed): public ids of this
    group's messages (422 otherwise). Coupon cards carry the caller's `coupon` state."""
    group = _mine(request, group_id)
    return _messages_out(
        request.auth, selectors.history(group, before=before, after=after, limit=limit)
    )


def _messages_out(user, found) -> list[dict]:
    states = chat.coupon_states(user, found)
    return [{**chat.payload(m), "coupon": states.get(m.public_id)} for m in found]


@router.post("/groups/{group_id}/messages", response={201: CommunityMessageOut})
def send(request, group_id: str, payload: CommunityMessageIn):
    message = chat.post_message(
        author=request.auth,
        group=selectors.group(group_id),
        text=payload.text,
        card=payload.card.model_dump() if payload.card else None,
        reply_to=payload.reply_to,
    )
    return Status(201, _messages_out(request.auth, [message])[0])


@router.post("/groups/{group_id}/images", response={201: CommunityMessageOut})
def send_image(request, group_id: str, image: File[UploadedFile], text: Form[str] = ""):
    """An image message (multipart: `image`, optional `text`), through core.uploads."""
    message = chat.post_message(
        author=request.auth, group=selectors.group(group_id), text=text, image=image
    )
    return Status(201, chat.payload(message))


@router.post("/groups/{group_id}/read", response={204: None})
def read(request, group_id: str, payload: CommunityReadIn):
    chat.mark_read(user=request.auth, group=_mine(request, group_id), up_to=payload.up_to)
    return Status(204, None)


@router.post("/groups/{group_id}/messages/{message_id}/report", response={201: None})
def report(request, group_id: str, message_id: str, payload: CommunityReportIn):
    group = selectors.group(group_id)
    moderation.report(
        reporter=request.auth, message=chat.get_message(group, message_id), reason=payload.reason
    )
    return Status(201, None)


@router.post("/groups/{group_id}/messages/{message_id}/remove", response=CommunityMessageOut)
def remove(request, group_id: str, message_id: str):
    group = selectors.group(group_id)
    message = chat.get_message(group, message_id)
    moderation.remove_message(actor=request.auth, group=group, message_id=message.pk)
    return chat.payload(chat.get_message(group, message.public_id))


@router.post("/groups/{group_id}/messages/{message_id}/pin", response=CommunityMessageOut)
def pin(request, group_id: str, message_id: str, payload: CommunityPinIn):
    group = selectors.group(group_id)
    message = chat.get_message(group, message_id)
    services.pin(actor=request.auth, group=group, message_id=message.pk, pinned=payload.pinned)
    return chat.payload(chat.get_message(group, message.public_id))


@router.post("/groups/{group_id}/messages/{message_id}/claim", response=CommunityCouponClaimOut)
def claim_coupon(request, group_id: str, message_id: str):
    """Take the coupon a card offers (members only): one per member per card, whatever
    the taps; sold out or over the member's limit is 409 with the reason, nothing written."""
    group = selectors.group(group_id)
    coupon = chat.claim_coupon(user=request.auth, group=group, message_id=message_id)
    message = chat.get_message(group, message_id)
    return {
        "coupon": coupon.public_id,
        "name": coupon.template.name,
        "valid_until": coupon.valid_until,
        "state": chat.coupon_states(request.auth, [message])[message.public_id],
    }


# ------------------------------------------------------------------------ members


def _member_out(member: Member) -> dict:
    return {
        "user": member.user.public_id,
        "name": chat.author_name(member.user),
        "role": member.role,
        "status": member.status,
        "muted_until": member.muted_until,
    }


@router.get("/groups/{group_id}/members", response=list[CommunityMemberOut])
def members(request, group_id: str):
    return [_member_out(m) for m in selectors.members(_mine(request, group_id))]


@router.post("/groups/{group_id}/members/{user_id}/mute", response=CommunityMemberOut)
def mute(request, group_id: str, user_id: str, payload: CommunityMuteIn):
    group = selectors.group(group_id)
    return _member_out(
        moderation.mute(
            actor=request.auth, group=group, user_public_id=user_id, until=payload.until
        )
    )


@router.post("/groups/{group_id}/members/{user_id}/unmute", response=CommunityMemberOut)
def unmute(request, group_id: str, user_id: str):
    group = selectors.group(group_id)
    return _member_out(moderation.unmute(actor=request.auth, group=group, user_public_id=user_id))


@router.post("/groups/{group_id}/members/{user_id}/ban", response=CommunityMemberOut)
def ban(request, group_id: str, user_id: str, payload: CommunityBanIn):
    group = selectors.group(group_id)
    return _member_out(
        moderation.ban(
            actor=request.auth, group=group, user_public_id=user_id, reason=payload.reason
        )
    )


@router.post("/groups/{group_id}/members/{user_id}/unban", response={204: None})
def unban(request, group_id: str, user_id: str):
    moderation.unban(actor=request.auth, group=selectors.group(group_id), user_public_id=user_id)
    return Status(204, None)


@router.post("/groups/{group_id}/members/{user_id}/role", response=CommunityMemberOut)
def role(request, group_id: str, user_id: str, payload: CommunityRoleIn):
    group = selectors.group(group_id)
    return _member_out(
        services.set_role(
            actor=request.auth, group=group, user_public_id=user_id, role=payload.role
        )
    )


@router.post("/groups/{group_id}/members/{user_id}/approve", response=CommunityMemberOut)
def approve(request, group_id: str, user_id: str):
    group = selectors.group(group_id)
    return _member_out(
        services.decide(actor=request.auth, group=group, user_public_id=user_id, approve=True)
    )


@router.post("/groups/{group_id}/members/{user_id}/reject", response={204: None})
def reject(request, group_id: str, user_id: str):
    group = selectors.group(group_id)
    services.decide(actor=request.auth, group=group, user_public_id=user_id, approve=False)
    return Status(204, None)


# ------------------------------------------------------------------ prohibited words


@router.get("/words", response=list[CommunityWordOut])
def words(request):
    """The platform's prohibited words (platform operators only)."""
    if not is_platform_operator(request.auth):
        raise PermissionDenied(_("违禁词由平台运营人员管理。"))
    return [{"id": w.public_id, "word": w.word} for w in BannedWord.objects.all()]


@router.post("/words", response={201: CommunityWordOut})
def add_word(request, payload: CommunityWordIn):
    made = moderation.add_word(actor=request.auth, word=payload.word)
    return Status(201, {"id": made.public_id, "word": made.word})


@router.delete("/words/{word_id}", response={204: None})
def remove_word(request, word_id: str):
    moderation.remove_word(actor=request.auth, word_id=word_id)
    return Status(204, None)
