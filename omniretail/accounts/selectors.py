"""Reads about who may act for which organisation. Every domain scopes its selectors with
these, so a merchant's staff never see another merchant's data."""

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Invitation, Membership, Organization, User
from omniretail.core.errors import NotAuthenticated, NotFound, PermissionDenied

MANAGING_ROLES = (Membership.Role.OWNER, Membership.Role.MANAGER)
ALL_ROLES = tuple(Membership.Role.values)


def is_platform_operator(user: User) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        user.is_superuser
        or Membership.objects.filter(
            user=user, organization__kind=Organization.Kind.PLATFORM
        ).exists()
    )


def organizations_of(user: User, *, kinds=None, roles=ALL_ROLES) -> QuerySet[Organization]:
    if not getattr(user, "is_authenticated", False):
        return Organization.objects.none()
    qs = Organization.objects.filter(
        memberships__user=user, memberships__role__in=roles, is_active=True
    )
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.distinct()


def require_user(user) -> User:
    if not getattr(user, "is_authenticated", False):
        raise NotAuthenticated()
    return user


def require_platform_operator(user) -> User:
    """The acting user runs the platform, or a refusal (401 when nobody is signed in)."""
    if not is_platform_operator(require_user(user)):
        raise PermissionDenied(_("只有平台运营人员可以执行此操作。"))
    return user


def require_role(user, organization: Organization, roles=ALL_ROLES) -> Membership:
    """The acting user's membership in the organisation, or a refusal."""
    require_user(user)
    membership = Membership.objects.filter(
        user=user, organization=organization, role__in=roles
    ).first()
    if membership is None:
        raise PermissionDenied(_("您不是该组织的成员或权限不足。"))
    return membership


def organization_for_user(user: User, public_id: str, roles=ALL_ROLES) -> Organization:
    """An organisation the user acts for; someone else's is reported as not found."""
    org = organizations_of(user, roles=roles).filter(public_id=public_id).first()
    if org is None:
        raise NotFound(_("找不到该组织。"))
    return org


def active_merchant(public_id: str) -> Organization | None:
    """A merchant anyone may name (to pay it, to read its points), if it trades."""
    return Organization.objects.filter(
        public_id=public_id, kind=Organization.Kind.MERCHANT, is_active=True
    ).first()


def members_of(organization: Organization) -> QuerySet[Membership]:
    """Who works for the organisation, owners first."""
    rank = Case(
        *(When(role=r, then=Value(i)) for i, r in enumerate(Membership.Role.values)),
        output_field=IntegerField(),
    )
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by(rank, "created_at", "pk")
    )


def open_invitations(organization: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


def invitations_for(user: User, *, now=None) -> QuerySet[Invitation]:
    """Invitations waiting for the user's phone number, not yet expired."""
    if not getattr(user, "is_authenticated", False) or not user.phone:
        return Invitation.objects.none()
    return Invitation.objects.filter(
        phone=user.phone,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=now or timezone.now(),
    ).select_related("organization", "invited_by")
