"""Reads of groups: whom a person may see, history pages, unread counts."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from omniretail.community.models import Group, Member, Message
from omniretail.core.errors import NotFound, field_error
from omniretail.loyalty import coupons

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


def message_key(group: Group, public_id, field: str = "id") -> int:
    """The row key of a message of this group named by its public id (422 on `field` for
    anything else): clients page and mark read by public ids, the table orders by key."""
    key = (
        Message.objects.filter(group=group, public_id=str(public_id)[:26])
        .values_list("pk", flat=True)
        .first()
        if public_id
        else None
    )
    if key is None:
        raise field_error(field, _("找不到该消息。"))
    return key


def last_message_ids(groups) -> dict[int, str]:
    """Each group's last message's public id, by group key, in one query."""
    keys = [g.last_message_id for g in groups if g.last_message_id]
    rows = Message.objects.filter(pk__in=keys).values_list("group_id", "public_id")
    return dict(rows)


def history(
    group: Group, *, before: str | None = None, after: str | None = None, limit: int = PAGE
) -> list[Message]:
    """A page of messages in order: the latest `limit`, those before the message `before`
    (older pages), or those after the message `after` (what a reconnecting client
    missed); both are public ids of this group's messages (422 otherwise)."""
    limit = max(1, min(int(limit), 200))
    qs = Message.objects.filter(group=group).select_related("author", "reply_to__author")
    if after:
        return list(qs.filter(id__gt=message_key(group, after, "after")).order_by("id")[:limit])
    if before:
        qs = qs.filter(id__lt=message_key(group, before, "before"))
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


def postable_coupons(group: Group):
    """Coupons of the 领券中心 a group's owner or admin may post as a card: the platform's,
    and those of the merchant the group belongs to."""
    return coupons.claimable_templates().filter(Q(org__isnull=True) | Q(org=group.organization_id))[
        :50
    ]
