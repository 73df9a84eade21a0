"""员工管理 for a merchant's owners: who works here and in which role, invitations by phone
(the invitee signs in with that number by SMS code and accepts on 我的邀请), role changes and
removal. Parse, call `accounts.services`, go back; a refusal is the page again with its own
4xx status and nothing written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from omniretail.accounts import selectors as people
from omniretail.accounts import services as accounts
from omniretail.accounts.models import Membership
from omniretail.core.errors import DomainError
from omniretail.web.access import staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx

OWNERS = (Membership.Role.OWNER,)


def _staff_page(request: HttpRequest, store, *, status: int = 200, **extra) -> HttpResponse:
    merchant = store.merchant
    ctx = _ctx(
        request,
        store,
        "staff",
        merchant=merchant,
        members=people.members_of(merchant),
        invitations=people.open_invitations(merchant),
        roles=Membership.Role.choices,
        invitable=[(r.value, r.label) for r in accounts.INVITABLE_ROLES],
        **extra,
    )
    return render(request, "web/merchant/staff.html", ctx, status=status)


@staff_required(roles=OWNERS)
@require_GET
def staff(request: HttpRequest, store) -> HttpResponse:
    return _staff_page(request, store)


@staff_required(roles=OWNERS)
@require_POST
def invite(request: HttpRequest, store) -> HttpResponse:
    form = {"phone": request.POST.get("phone", ""), "role": request.POST.get("role", "")}
    try:
        accounts.invite_member(
            actor=request.user,
            organization=store.merchant,
            link=request.build_absolute_uri(reverse("web:invitations")),
            **form,
        )
    except DomainError as exc:
        return _staff_page(request, store, status=exc.status, error=exc, form=form)
    messages.success(request, _("邀请短信已发送，对方用该手机号登录后即可接受。"))
    return redirect("web:m_staff")


@staff_required(roles=OWNERS)
@require_POST
def revoke(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        accounts.revoke_invitation(
            actor=request.user, organization=store.merchant, invitation_id=public_id
        )
    except DomainError as exc:
        return _staff_page(request, store, status=exc.status, error=exc)
    messages.success(request, _("邀请已撤销。"))
    return redirect("web:m_staff")


@staff_required(roles=OWNERS)
@require_POST
def change_role(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        accounts.change_role(
            actor=request.user,
            organization=store.merchant,
            user_id=public_id,
            role=request.POST.get("role", ""),
        )
    except DomainError as exc:
        return _staff_page(request, store, status=exc.status, error=exc)
    messages.success(request, _("角色已修改。"))
    return redirect("web:m_staff")


@staff_required(roles=OWNERS)
@require_POST
def remove(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        accounts.remove_member(actor=request.user, organization=store.merchant, user_id=public_id)
    except DomainError as exc:
        return _staff_page(request, store, status=exc.status, error=exc)
    messages.success(request, _("已移除该成员。"))
    return redirect("web:m_staff")


# ---------------------------------------------------------------- the invitee


@login_required
@require_GET
def invitations(request: HttpRequest) -> HttpResponse:
    """The invitations waiting for the signed-in phone number."""
    return render(
        request,
        "web/merchant/invitations.html",
        {"tab": "me", "invitations": people.invitations_for(request.user)},
    )


@login_required
@require_POST
def accept(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        membership = accounts.accept_invitation(user=request.user, invitation_id=public_id)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(
        request,
        _("您已加入 %(org)s，可以打开商家后台了。") % {"org": membership.organization.name},
    )
    return redirect("web:m_dashboard")
