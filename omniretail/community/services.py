"""Groups and membership: create (建群), join by the group list, a link or its QR code,
approval, leave, roles, announcement, pins and settings.

Who owns a group: the administrator (the first owner-member) of the organisation it belongs
to, the platform's for platform and neighbourhood groups, the merchant's for merchant and
store groups; a shopper who creates one becomes its admin. With no administrator on record
the creator owns it. The member limit holds in one conditional UPDATE of `member_count`
(and a check constraint), so a burst of joins never passes it."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Membership, Organization
from omniretail.accounts.selectors import is_platform_operator, require_role, require_user
from omniretail.community.models import Group, Member, Message, ModerationAction
from omniretail.community.selectors import active_member
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, field_error
from omniretail.core.ids import new_public_id

R, S = Member.Role, Member.Status
MAX_PINS = 5
MAX_LIMIT = 2000


def platform() -> Organization:
    org = Organization.objects.filter(kind=Organization.Kind.PLATFORM, is_active=True).first()
    if org is None:
        raise NotFound(_("平台尚未开通社群。"))
    return org


def administrator(organization: Organization):
    """The organisation's first owner-member: the default owner of its groups."""
    found = (
        Membership.objects.filter(organization=organization, role=Membership.Role.OWNER)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return found.user if found else None


def _limit(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2 <= value <= MAX_LIMIT:
        raise field_error("member_limit", _("人数上限须在 2 到 %(n)s 之间。") % {"n": MAX_LIMIT})
    return value


def _rule(value: str) -> str:
    if value not in Group.JoinRule.values:
        raise field_error("join_rule", _("请选择加入方式。"))
    return value


def create_group(
    *,
    creator,
    name: str,
    scope: str = Group.Scope.PLATFORM,
    description: str = "",
    merchant: Organization | None = None,
    store=None,
    community_name: str = "",
    join_rule: str = Group.JoinRule.OPEN,
    member_limit: int = 500,
) -> Group:
    """建群. Platform and neighbourhood groups are anyone's to create; a merchant's or a
    store's only its staff's (or the platform's operators)."""
    require_user(creator)
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise field_error("name", _("群名称须为 1 到 40 个字。"))
    if len(description or "") > 200:
        raise field_error("description", _("群介绍不能超过 200 个字。"))
    if scope == Group.Scope.STORE:
        if store is None:
            raise field_error("store", _("请选择门店。"))
        merchant = store.merchant
    if scope in (Group.Scope.MERCHANT, Group.Scope.STORE):
        if merchant is None:
            raise field_error("merchant", _("请选择商家。"))
        if not is_platform_operator(creator):
            require_role(creator, merchant)
        organization = merchant
    elif scope in (Group.Scope.PLATFORM, Group.Scope.COMMUNITY):
        organization = platform()
        store = None
    else:
        raise field_error("scope", _("请选择社群归属。"))
    community_name = (community_name or "").strip()
    if scope == Group.Scope.COMMUNITY and not community_name:
        raise field_error("community_name", _("请填写社区名称。"))
    owner = administrator(organization) or creator
    with transaction.atomic():
        group = Group.objects.create(
            name=name,
            description=(description or "").strip(),
            scope=scope,
            organization=organization,
            store=store,
            community_name=community_name[:60],
            join_rule=_rule(join_rule),
            member_limit=_limit(member_limit),
            member_count=2 if owner.pk != creator.pk else 1,
            created_by=creator,
        )
        Member.objects.create(group=group, user=owner, role=R.OWNER, status=S.ACTIVE)
        if owner.pk != creator.pk:
            Member.objects.create(group=group, user=creator, role=R.ADMIN, status=S.ACTIVE)
    return group


def _take_seat(group: Group) -> None:
    taken = Group.objects.filter(pk=group.pk, member_count__lt=F("member_limit")).update(
        member_count=F("member_count") + 1
    )
    if not taken:
        raise Conflict(_("该群已满员（%(n)s 人）。") % {"n": group.member_limit})


def _free_seat(group: Group) -> None:
    Group.objects.filter(pk=group.pk, member_count__gt=0).update(member_count=F("member_count") - 1)


def join(*, user, group: Group, token: str = "") -> Member:
    """Join an open group, or one by its invitation link (`token`); ask to join an approval
    group (pending until an admin approves). Joining again changes nothing; a banned
    member cannot come back by any path."""
    require_user(user)
    invited = bool(token) and token == group.invite_token
    if token and not invited:
        raise PermissionDenied(_("邀请链接已失效，请向群管理员索取新的链接。"))
    if group.join_rule == Group.JoinRule.INVITE and not invited:
        raise PermissionDenied(_("该群仅限邀请加入。"))
    status = S.PENDING if group.join_rule == Group.JoinRule.APPROVAL else S.ACTIVE
    with transaction.atomic():
        existing = Member.objects.select_for_update().filter(group=group, user=user).first()
        if existing is not None:
            if existing.status == S.BANNED:
                raise PermissionDenied(_("您已被移出该群，无法再次加入。"))
            if existing.status in (S.ACTIVE, S.PENDING):
                return existing
        if status == S.ACTIVE:
            _take_seat(group)
        if existing is not None:
            existing.status, existing.role, existing.muted_until = status, R.MEMBER, None
            existing.save(update_fields=["status", "role", "muted_until"])
            return existing
        try:
            with transaction.atomic():
                return Member.objects.create(group=group, user=user, status=status)
        except IntegrityError:
            raise Conflict(_("正在加入，请稍后刷新。")) from None


def group_by_token(token: str) -> Group:
    group = Group.objects.filter(invite_token=str(token)[:26]).first()
    if group is None:
        raise NotFound(_("邀请链接已失效，请向群管理员索取新的链接。"))
    return group


def _manager(actor, group: Group) -> Member | None:
    """The actor's admin-or-owner membership; None for a platform operator acting on any
    group; a refusal for everyone else."""
    member = active_member(actor, group)
    if member is not None and member.role in (R.OWNER, R.ADMIN):
        return member
    if is_platform_operator(actor):
        return None
    raise PermissionDenied(_("仅群主和管理员可以这样做。"))


def _audit(group, action, actor, *, target=None, message=None, detail: str = "") -> None:
    ModerationAction.objects.create(
        group=group,
        action=action,
        actor=actor,
        target=target,
        message=message,
        detail=detail[:200],
    )


def decide(*, actor, group: Group, user_public_id: str, approve: bool) -> Member:
    """Approve or reject a request to join an approval group."""
    _manager(actor, group)
    with transaction.atomic():
        member = (
            Member.objects.select_for_update()
            .filter(group=group, user__public_id=user_public_id, status=S.PENDING)
            .select_related("user")
            .first()
        )
        if member is None:
            raise NotFound(_("找不到该入群申请。"))
        if approve:
            _take_seat(group)
            member.status = S.ACTIVE
            member.save(update_fields=["status"])
        else:
            member.delete()
        A = ModerationAction.Action
        _audit(group, A.APPROVE if approve else A.REJECT, actor, target=member.user)
    return member


def leave(*, user, group: Group) -> None:
    member = active_member(user, group)
    if member is None:
        raise NotFound(_("您不在该群中。"))
    if member.role == R.OWNER:
        raise Conflict(_("群主不能退出自己的群。"))
    with transaction.atomic():
        if Member.objects.filter(pk=member.pk, status=S.ACTIVE).update(
            status=S.LEFT, role=R.MEMBER
        ):
            _free_seat(group)


def set_role(*, actor, group: Group, user_public_id: str, role: str) -> Member:
    """The owner (or a platform operator) makes a member an admin or an admin a member."""
    acting = _manager(actor, group)
    if acting is not None and acting.role != R.OWNER:
        raise PermissionDenied(_("仅群主可以设置管理员。"))
    if role not in (R.ADMIN, R.MEMBER):
        raise field_error("role", _("角色只能是管理员或成员。"))
    member = (
        Member.objects.filter(group=group, user__public_id=user_public_id, status=S.ACTIVE)
        .select_related("user")
        .first()
    )
    if member is None:
        raise NotFound(_("该用户不在群中。"))
    if member.role == R.OWNER:
        raise Conflict(_("不能更改群主的角色。"))
    with transaction.atomic():
        Member.objects.filter(pk=member.pk).update(role=role)
        _audit(group, ModerationAction.Action.ROLE, actor, target=member.user, detail=role)
    member.role = role
    return member


def update_settings(
    *,
    actor,
    group: Group,
    announcement: str | None = None,
    join_rule: str | None = None,
    member_limit: int | None = None,
    now: datetime | None = None,
) -> Group:
    """Announcement, join rule and member limit, by an admin; a limit below today's
    members is refused rather than pushing anyone out."""
    _manager(actor, group)
    fields = []
    if announcement is not None:
        announcement = announcement.strip()
        if len(announcement) > 500:
            raise field_error("announcement", _("群公告不能超过 500 个字。"))
        group.announcement, group.announced_at = announcement, now or timezone.now()
        fields += ["announcement", "announced_at"]
    if join_rule is not None:
        group.join_rule = _rule(join_rule)
        fields.append("join_rule")
    if member_limit is not None:
        limit = _limit(member_limit)
        updated = Group.objects.filter(pk=group.pk, member_count__lte=limit).update(
            member_limit=limit
        )
        if not updated:
            raise field_error("member_limit", _("人数上限不能低于现有成员数。"))
        group.member_limit = limit
    if fields:
        group.save(update_fields=[*fields, "updated_at"])
    return group


def new_invite_link(*, actor, group: Group) -> Group:
    """A fresh invitation token: the old link and QR code stop working."""
    _manager(actor, group)
    group.invite_token = new_public_id()
    group.save(update_fields=["invite_token", "updated_at"])
    return group


def pin(*, actor, group: Group, message_id: int, pinned: bool, now: datetime | None = None):
    _manager(actor, group)
    message = Message.objects.filter(group=group, pk=message_id, removed_at__isnull=True).first()
    if message is None:
        raise NotFound(_("找不到该消息。"))
    if pinned:
        if Message.objects.filter(group=group, pinned_at__isnull=False).count() >= MAX_PINS:
            raise Conflict(_("最多置顶 %(n)s 条消息。") % {"n": MAX_PINS})
        message.pinned_at = now or timezone.now()
    else:
        message.pinned_at = None
    message.save(update_fields=["pinned_at"])
    return message
