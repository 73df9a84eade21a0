"""An owner invites a phone number into the merchant in a role; whoever signs in with that
number by SMS code accepts it once. Owners change roles and remove members; nobody else
does, and another merchant's people are not found."""

from datetime import timedelta

import pytest
from django.utils import timezone

from omniretail.accounts import selectors, services
from omniretail.accounts.models import Invitation, Membership
from omniretail.conftest import make_staff
from omniretail.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from omniretail.core.sms import read_sms_file

pytestmark = pytest.mark.django_db
R = Membership.Role
PHONE = "13912345678"


@pytest.fixture
def owner(merchant):
    return make_staff(merchant, "owner", role=R.OWNER)


def _sign_in(phone=PHONE):
    services.request_login_code(phone=phone)
    code = read_sms_file(phone)[-1]["text"].split("验证码是 ")[1][:6]
    return services.verify_login_code(phone=phone, code=code)


def test_invitee_signs_in_by_sms_and_accepts_once(owner, merchant):
    invitation = services.invite_member(
        actor=owner,
        organization=merchant,
        phone="+86 139-1234-5678",
        role=R.CUSTOMER_SERVICE,
        link="https://shop.example/invitations/",
    )
    [sms] = read_sms_file(PHONE)
    assert merchant.name in sms["text"]
    assert "客服" in sms["text"] and "https://shop.example/invitations/" in sms["text"]

    invitee = _sign_in()
    assert list(selectors.invitations_for(invitee)) == [invitation]
    membership = services.accept_invitation(user=invitee, invitation_id=invitation.public_id)
    assert (membership.organization, membership.role) == (merchant, R.CUSTOMER_SERVICE)

    with pytest.raises(NotFound):
        services.accept_invitation(user=invitee, invitation_id=invitation.public_id)
    assert Membership.objects.filter(user=invitee).count() == 1
    assert list(selectors.invitations_for(invitee)) == []


@pytest.mark.parametrize("phone", ["+1 415 555 0100", "0571-88001188", "1391234567", "12912345678"])
def test_a_number_that_is_not_a_mainland_mobile_is_refused(owner, merchant, phone):
    with pytest.raises(ValidationFailed) as refused:
        services.invite_member(actor=owner, organization=merchant, phone=phone, role=R.STAFF)
    assert "phone" in refused.value.fields
    assert not Invitation.objects.exists()
    assert read_sms_file() == []


def test_an_owner_role_or_a_second_open_invitation_is_refused(owner, merchant):
    with pytest.raises(ValidationFailed):
        services.invite_member(actor=owner, organization=merchant, phone=PHONE, role=R.OWNER)
    services.invite_member(actor=owner, organization=merchant, phone=PHONE, role=R.STAFF)
    with pytest.raises(Conflict) as refused:
        services.invite_member(actor=owner, organization=merchant, phone=PHONE, role=R.MANAGER)
    assert refused.value.code == "already_invited"
    assert Invitation.objects.get().role == R.STAFF


def test_only_owners_invite_and_someone_elses_invitation_cannot_be_accepted(
    owner, merchant, other_merchant_staff
):
    manager = make_staff(merchant, "manager", role=R.MANAGER)
    with pytest.raises(PermissionDenied):
        services.invite_member(actor=manager, organization=merchant, phone=PHONE, role=R.STAFF)
    invitation = services.invite_member(
        actor=owner, organization=merchant, phone=PHONE, role=R.STAFF
    )
    stranger = _sign_in("13700000001")
    with pytest.raises(NotFound):
        services.accept_invitation(user=stranger, invitation_id=invitation.public_id)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(NotFound):
        services.accept_invitation(user=_sign_in(), invitation_id=invitation.public_id)
    assert not Membership.objects.filter(user__phone__in=[PHONE, "13700000001"]).exists()


def test_a_revoked_invitation_cannot_be_accepted(owner, merchant):
    invitation = services.invite_member(
        actor=owner, organization=merchant, phone=PHONE, role=R.STAFF
    )
    services.revoke_invitation(
        actor=owner, organization=merchant, invitation_id=invitation.public_id
    )
    with pytest.raises(NotFound):
        services.accept_invitation(user=_sign_in(), invitation_id=invitation.public_id)


def test_owner_changes_a_role_and_removes_a_member_but_not_themselves(
    owner, merchant, other_merchant_staff
):
    clerk = make_staff(merchant, "clerk2", role=R.STAFF)
    services.change_role(
        actor=owner, organization=merchant, user_id=clerk.public_id, role=R.MANAGER
    )
    assert Membership.objects.get(user=clerk).role == R.MANAGER

    with pytest.raises(Conflict):
        services.change_role(
            actor=owner, organization=merchant, user_id=owner.public_id, role=R.STAFF
        )
    with pytest.raises(Conflict):
        services.remove_member(actor=owner, organization=merchant, user_id=owner.public_id)
    with pytest.raises(NotFound):  # another merchant's member
        services.remove_member(
            actor=owner, organization=merchant, user_id=other_merchant_staff.public_id
        )
    with pytest.raises(PermissionDenied):  # a manager is no owner
        services.remove_member(actor=clerk, organization=merchant, user_id=owner.public_id)

    services.remove_member(actor=owner, organization=merchant, user_id=clerk.public_id)
    assert not Membership.objects.filter(user=clerk).exists()
    assert Membership.objects.filter(user=other_merchant_staff).exists()
    assert Membership.objects.get(user=owner).role == R.OWNER
