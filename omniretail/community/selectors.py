"""Reads of groups: whom a person may see, history pages, unread counts."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from omniretail.community.models import Group, Member, Message
from omniretail.core.errors import NotFound

PAGE = 50


def group(public_id: str) -> Group:
    found = Group.objects.filter(public_id=str(public_id)[:26]).first()
    if found is None:
        raise NotFound(_("找不到该社群。"))
    return found


def active_member(user, group: Group) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(group=group, user=user, status=Member.Status.ACTIVE).first()


def membership(user, group: Group) -> Member | None:
    """The person's row in the group whatever its status (pending, banned, left)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(group=group, user=user).first()


def discoverable() -> QuerySet[Group]:
    """Groups listed for anyone to find: all but invite-only ones."""
    return Group.objects.exclude(join_rule=Group.JoinRule.INVITE).select_related(
        "organization", "store"
    )


def my_groups(user) -> list[Group]:
    """The person's groups, newest conversation first, each with `unread` (messages after
    what they last read, not their own, not removed) in one query."""
    unread = (
        Message.objects.filter(
            group=OuterRef("group_id"), id__gt=OuterRef("last_read_id"), removed_at__isnull=True
        )
        .exclude(author=user)
        .values("group")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Member.objects.filter(user=user, status=Member.Status.ACTIVE)
        .annotate(unread=Subquery(unread))
        .select_related("group")
        .order_by("-group__last_message_id", "-group_id")
    )
    out = []
    for row in rows:
        row.group.unread = row.unread or 0
        row.group.my_role = row.role
        out.append(row.group)
    return out


def history(
    group: Group, *, before: int | None = None, after: int | None = None, limit: int = PAGE
) -> list[Message]:
    """A page of messages in id order: the latest `limit`, those before `before` (older
    pages), or those after `after` (what a reconnecting client missed)."""
    limit = max(1, min(int(limit), 200))
    top = 2**63 - 1  # an id past any 64-bit key asks for nothing, not an overflow
    after = None if after is None else min(int(after), top)
    before = None if before is None else min(int(before), top)
    qs = Message.objects.filter(group=group).select_related("author", "reply_to__author")
    if after is not None:
        return list(qs.filter(id__gt=after).order_by("id")[:limit])
    if before is not None:
        qs = qs.filter(id__lt=before)
    return list(reversed(qs.order_by("-id")[:limit]))


def pinned(group: Group) -> list[Message]:
    return list(
        Message.objects.filter(group=group, pinned_at__isnull=False, removed_at__isnull=True)
        .select_related("author")
        .order_by("-pinned_at")
    )


def members(group: Group) -> QuerySet[Member]:
    return (
        Member.objects.filter(group=group)
        .filter(Q(status=Member.Status.ACTIVE) | Q(status=Member.Status.PENDING))
        .select_related("user")
        .order_by("status", "role", "id")
    )
