"""/api/terminals: merchants register card terminals and send sales to them; a terminal
(`Authorization: Terminal <key_id>.<secret>`) fetches its next job and reports the outcome
once. The protocol is docs/terminal-protocol.md."""

from django.utils.translation import gettext as _
from ninja import Router, Status

from omniretail.accounts import selectors as accounts
from omniretail.accounts.auth import AUTH
from omniretail.core.errors import NotFound
from omniretail.payments import selectors as payments
from omniretail.terminals import selectors, services
from omniretail.terminals.models import Terminal, TerminalJob
from omniretail.terminals.schemas import (
    TerminalCreatedOut,
    TerminalIn,
    TerminalJobOut,
    TerminalOut,
    TerminalResultIn,
    TerminalResultOut,
    TerminalSaleIn,
)

router = Router(tags=["terminals"])


def terminal_out(terminal: Terminal) -> dict:
    return {
        "id": terminal.public_id,
        "name": terminal.name,
        "key_id": terminal.key_id,
        "last_seen_at": terminal.last_seen_at,
        "revoked_at": terminal.revoked_at,
    }


def job_out(job: TerminalJob) -> dict:
    return {
        "id": job.public_id,
        "kind": job.kind,
        "status": job.status,
        "amount": str(job.amount),
        "description": job.description,
        "intent_id": job.intent_id,
        "card": {"scheme": job.card_scheme, "last4": job.card_last4} if job.card_last4 else None,
        "auth_code": job.auth_code,
        "terminal_reference": job.terminal_reference,
        "decline_reason": job.decline_reason,
    }


@router.post("/merchants/{org_id}/terminals", response={201: TerminalCreatedOut}, auth=AUTH)
def register(request, org_id: str, payload: TerminalIn):
    merchant = accounts.organization_for_user(request.auth, org_id)
    terminal, credential = services.register(
        actor=request.auth, merchant=merchant, name=payload.name
    )
    return Status(201, {**terminal_out(terminal), "credential": credential})


@router.get("/merchants/{org_id}/terminals", response=list[TerminalOut], auth=AUTH)
def list_terminals(request, org_id: str):
    merchant = accounts.organization_for_user(request.auth, org_id)
    return [terminal_out(t) for t in selectors.terminals_of(request.auth, merchant)]


@router.post("/terminals/{terminal_id}/revoke", response=TerminalOut, auth=AUTH)
def revoke(request, terminal_id: str):
    terminal = selectors.terminal_for_staff(request.auth, terminal_id)
    return terminal_out(services.revoke(actor=request.auth, terminal=terminal))


@router.post("/sales", response={201: TerminalJobOut}, auth=AUTH)
def send_sale(request, payload: TerminalSaleIn):
    """Send an open intent of the merchant (provider `card_terminal`) to one of its
    terminals; sending it again returns the job already open."""
    terminal = selectors.terminal_for_staff(request.auth, payload.terminal)
    intent = payments.intent_for_user(request.auth, payload.intent)
    job = services.send_sale(staff=request.auth, terminal=terminal, intent=intent)
    return Status(201, job_out(job))


@router.get("/jobs/{job_id}", response=TerminalJobOut, auth=AUTH)
def get_job(request, job_id: str):
    return job_out(selectors.job_for_staff(request.auth, job_id))


# ---------------------------------------------------------------- the terminal itself


@router.get("/device/jobs/next", response={200: TerminalJobOut, 204: None}, auth=None)
def next_job(request):
    """The oldest open job of the calling terminal (the same one again until it reports),
    or 204 when there is none."""
    terminal = services.authenticate(request.headers.get("Authorization"))
    job = services.next_job(terminal)
    if job is None:
        return Status(204, None)
    return job_out(job)


@router.post("/device/jobs/{job_id}/result", response=TerminalResultOut, auth=None)
def report(request, job_id: str, payload: TerminalResultIn):
    terminal = services.authenticate(request.headers.get("Authorization"))
    if not job_id:
        raise NotFound(_("找不到该终端任务。"))
    job, duplicate = services.report(
        terminal=terminal, job_id=job_id, data=payload.model_dump(mode="json")
    )
    return {"job": job_out(job), "duplicate": duplicate}
