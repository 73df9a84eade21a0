"""What a merchant's staff keep on a member's profile (会员档案): notes with their author and
time, and the merchant's own tags (defined once, put on and taken off members, used to
filter the archive). Only the member's merchant's managers and owners write them."""

from django.db import transaction
from django.utils.translation import gettext as _

from omniretail.accounts.models import Membership
from omniretail.accounts.selectors import require_role
from omniretail.core.errors import NotFound, field_error
from omniretail.loyalty.models import Member, MemberNote, MemberTag, TierChange

EDITORS = (Membership.Role.OWNER, Membership.Role.MANAGER)
MAX_NOTE = 500
MAX_TAG = MemberTag._meta.get_field("name").max_length
MAX_TAGS = 100  # per merchant


def add_note(*, actor, member: Member, text: str) -> MemberNote:
    require_role(actor, member.org, roles=EDITORS)
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE:
        raise field_error("text", _("备注须为 1 到 %(n)s 个字。") % {"n": MAX_NOTE})
    return MemberNote.objects.create(member=member, author=actor, text=text)


def _tag_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_TAG:
        raise field_error("tag", _("标签须为 1 到 %(n)s 个字。") % {"n": MAX_TAG})
    return name


@transaction.atomic
def tag_member(*, actor, member: Member, name: str) -> MemberTag:
    """Put the merchant's tag `name` on the member, defining it the first time it is used
    (at most `MAX_TAGS` per merchant); tagging twice changes nothing."""
    require_role(actor, member.org, roles=EDITORS)
    name = _tag_name(name)
    tag = MemberTag.objects.filter(org=member.org, name=name).first()
    if tag is None:
        if MemberTag.objects.filter(org=member.org).count() >= MAX_TAGS:
            raise field_error("tag", _("每个商家最多 %(n)s 个标签。") % {"n": MAX_TAGS})
        tag, _created = MemberTag.objects.get_or_create(org=member.org, name=name)
    tag.members.add(member)
    return tag


def untag_member(*, actor, member: Member, name: str) -> None:
    """Take the tag off the member (the merchant keeps the tag for others)."""
    require_role(actor, member.org, roles=EDITORS)
    tag = MemberTag.objects.filter(org=member.org, name=name).first()
    if tag is None:
        raise NotFound(_("找不到该标签。"), fields={"tag": _("不存在")})
    tag.members.remove(member)


def tags_of_merchant(org) -> list[str]:
    return list(MemberTag.objects.filter(org=org).order_by("name").values_list("name", flat=True))


def tags_of(member: Member) -> list[str]:
    return list(member.tags.order_by("name").values_list("name", flat=True))


def notes_of(member: Member):
    return member.notes.select_related("author").order_by("-created_at", "-id")[:100]


def tier_history(member: Member):
    """The member's tier changes, newest first."""
    return TierChange.objects.filter(member=member).order_by("-created_at", "-id")[:100]
