"""Reads of terminals, scoped to the acting staff member's merchants."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from omniretail.accounts import selectors as accounts
from omniretail.core.errors import NotFound
from omniretail.terminals.models import Terminal, TerminalJob


def terminals_of(user, merchant) -> QuerySet[Terminal]:
    accounts.require_role(user, merchant)
    return Terminal.objects.filter(merchant=merchant).order_by("revoked_at", "name", "id")


def _mine(user) -> QuerySet[Terminal]:
    accounts.require_user(user)
    if accounts.is_platform_operator(user):
        return Terminal.objects.all()
    return Terminal.objects.filter(merchant__in=accounts.organizations_of(user))


def terminal_for_staff(user, public_id: str) -> Terminal:
    terminal = _mine(user).select_related("merchant").filter(public_id=public_id).first()
    if terminal is None:
        raise NotFound(_("找不到该终端。"))
    return terminal


def job_for_staff(user, public_id: str) -> TerminalJob:
    job = TerminalJob.objects.filter(public_id=public_id, terminal__in=_mine(user)).first()
    if job is None:
        raise NotFound(_("找不到该终端任务。"))
    return job
