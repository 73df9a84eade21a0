"""Customer service pages: the shopper's chat with the assistant (mobile, htmx polling for
the agent's answers), the shopper's complaints; the agent console (desktop width: queue
with waiting time, the conversation with the member's recent orders beside it, canned
replies, notes, close), the knowledge-base editor with CSV import, and the complaint
desk (the merchant answers, the platform resolves). Parse, call `service`, render; no
business rule lives here."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import active_merchant, is_platform_operator
from omniretail.catalog.models import Product
from omniretail.catalog.selectors import public_product
from omniretail.core import uploads
from omniretail.core.errors import DomainError, field_error
from omniretail.loyalty import selectors as loyalty
from omniretail.orders import selectors as orders
from omniretail.service import chat, complaints, selectors, services
from omniretail.service.models import Complaint, Conversation, ServiceSettings
from omniretail.web.access import staff_required
from omniretail.web.views import _error
from omniretail.web.views_merchant import _ctx

AGENTS = services.SERVICE_ROLES
S = Conversation.Status


# ---------------------------------------------------------------- the shopper's chat


def _serving(public_id: str, product_id: str = "") -> tuple[Organization, Product | None]:
    """The service the shopper chose: the one answering for the product they came from
    (?product=), else the merchant named (?org=), else the platform's."""
    if product_id:
        product = public_product(product_id)
        return chat.organization_for_product(product), product
    if public_id:
        merchant = active_merchant(public_id)
        if merchant is not None:
            return merchant, None
    return chat.platform(), None


def _transcript_ctx(conversation) -> dict:
    return {
        "conversation": conversation,
        "lines": list(selectors.shopper_messages(conversation)) if conversation else [],
        "may_rate": bool(
            conversation
            and conversation.status == S.CLOSED
            and conversation.agent_id
            and conversation.rating is None
        ),
    }


@login_required
@require_GET
def chat_page(request: HttpRequest) -> HttpResponse:
    try:
        org, product = _serving(request.GET.get("org", ""), request.GET.get("product", ""))
    except DomainError as exc:
        return _error(request, exc)
    conversation = selectors.latest_conversation(request.user, org)
    ctx = {"org": org, "product": product, **_transcript_ctx(conversation)}
    return render(request, "web/service/chat.html", ctx)


@login_required
@require_POST
def ask(request: HttpRequest) -> HttpResponse:
    """htmx swaps the chat (lines and an empty form, or the form with the refusal); without
    htmx the page is shown again."""
    try:
        org, product = _serving(request.POST.get("org", ""), request.POST.get("product", ""))
    except DomainError as exc:
        return _error(request, exc)
    try:
        chat.ask(
            shopper=request.user,
            text=request.POST.get("text", ""),
            organization=org,
            product=product,
        )
    except DomainError as exc:
        if not request.htmx:
            return _error(request, exc)
        conversation = selectors.latest_conversation(request.user, org)
        ctx = {"org": org, "product": product, "error": exc, "text": request.POST.get("text", "")}
        return render(
            request,
            "web/service/_chat.html",
            {**ctx, **_transcript_ctx(conversation)},
            status=exc.status,
        )
    if request.htmx:
        conversation = selectors.latest_conversation(request.user, org)
        return render(
            request,
            "web/service/_chat.html",
            {"org": org, "product": product, **_transcript_ctx(conversation)},
        )
    back = f"product={product.public_id}" if product else f"org={org.public_id}"
    return redirect(f"{reverse('web:service_chat')}?{back}")


@login_required
@require_GET
def transcript(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        conversation = selectors.conversation_of_shopper(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/_error.html")
    return render(request, "web/service/_lines.html", _transcript_ctx(conversation))


@login_required
@require_POST
def rate(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        rating = int(request.POST.get("rating", ""))
    except ValueError:
        return _error(request, field_error("rating", _("请选择 1 到 5 分。")))
    try:
        rated = chat.rate(
            shopper=request.user,
            conversation_id=public_id,
            rating=rating,
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("感谢您的评价！"))
    return redirect(f"{reverse('web:service_chat')}?org={rated.organization.public_id}")


# ---------------------------------------------------------------- the shopper's complaints


@login_required
@require_GET
def my_complaints(request: HttpRequest) -> HttpResponse:
    about = request.GET.get("about", "")
    ctx = {
        "complaints": complaints.complaints_of_shopper(request.user)[:50],
        "about": about if about in Complaint.About.values else "merchant",
        "target": request.GET.get("target", ""),
        "abouts": Complaint.About.choices,
        "merchants": Organization.objects.filter(
            kind=Organization.Kind.MERCHANT, is_active=True
        ).order_by("name"),
        "orders": orders.orders_of_shopper(request.user).order_by("-created_at", "-id")[:20],
    }
    return render(request, "web/service/complaints.html", ctx)


@login_required
@require_POST
def file_complaint(request: HttpRequest) -> HttpResponse:
    about = request.POST.get("about", "")  # the form has one target field per kind
    try:
        files = uploads.photo_files(request)
        with uploads.saved_photos(files, folder="complaints") as names:
            filed = complaints.file_complaint(
                shopper=request.user,
                about=about,
                target=request.POST.get("target") or request.POST.get(f"target_{about}", ""),
                text=request.POST.get("text", ""),
                photos=names,
            )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("投诉已提交，商家答复后会通知您。"))
    return redirect("web:service_complaint", public_id=filed.public_id)


@login_required
@require_GET
def my_complaint(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        found = complaints.complaint_of_shopper(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    return render(request, "web/service/complaint.html", {"complaint": found})


# ---------------------------------------------------------------- the agent console


def _console(request, store, template: str, section: str = "service", **extra) -> HttpResponse:
    return render(request, template, _ctx(request, store, section, **extra))


def _queue_ctx(request) -> dict:
    return {
        "queue": selectors.queue(request.user),
        "mine": selectors.my_conversations(request.user),
        "escalated": selectors.escalated(request.user),
        "presence": selectors.presence(request.user),
    }


@staff_required(roles=AGENTS)
@require_GET
def console(request: HttpRequest, store) -> HttpResponse:
    chat.heartbeat(agent=request.user)
    return _console(request, store, "web/service/console.html", **_queue_ctx(request))


@staff_required(roles=AGENTS)
@require_GET
def console_queue(request: HttpRequest, store) -> HttpResponse:
    """The polled queue: asking for it keeps the agent seen."""
    chat.heartbeat(agent=request.user)
    return render(request, "web/service/_queue.html", _queue_ctx(request))


@staff_required(roles=AGENTS)
@require_POST
def presence(request: HttpRequest, store) -> HttpResponse:
    """在线 (new conversations are assigned to me) or 离开 (none are)."""
    try:
        chat.set_presence(agent=request.user, status=request.POST.get("status", ""))
    except DomainError as exc:
        return _error(request, exc)
    return redirect("web:m_service")


@staff_required(roles=AGENTS)
@require_GET
def service_settings(request: HttpRequest, store) -> HttpResponse:
    try:
        org = _org(request, store)
    except DomainError as exc:
        return _error(request, exc)
    return _console(
        request,
        store,
        "web/service/settings.html",
        org=org,
        orgs=services.service_organizations(request.user),
        rules=services.settings_of(org),
        assignments=ServiceSettings.Assignment.choices,
    )


@staff_required(roles=AGENTS)
@require_POST
def service_settings_save(request: HttpRequest, store) -> HttpResponse:
    """Only the owner or a manager may save (403 for customer-service staff)."""
    try:
        org = _org(request, store)
        services.configure(
            actor=request.user,
            organization=org,
            assignment=request.POST.get("assignment", ""),
            reply_minutes=request.POST.get("reply_minutes", ""),
            complaint_hours=request.POST.get("complaint_hours"),
        )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("客服设置已保存。"))
    return redirect(f"{reverse('web:m_service_settings')}?org={org.public_id}")


def _agent_conversation(request, public_id: str):
    return chat.conversation_for_agent(request.user, public_id)


@staff_required(roles=AGENTS)
@require_GET
def conversation(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        found = _agent_conversation(request, public_id)
    except DomainError as exc:
        return _error(request, exc)
    return _console(
        request,
        store,
        "web/service/conversation.html",
        conversation=found,
        lines=selectors.agent_messages(found),
        orders=selectors.recent_orders(found),
        wallets=loyalty.wallets(found.shopper),
        canned=selectors.canned_replies(found.organization),
        colleagues=[u for u in selectors.colleagues(found.organization) if u.pk != request.user.pk],
        transfers=found.transfers.select_related("from_agent", "to_agent"),
    )


@staff_required(roles=AGENTS)
@require_GET
def agent_transcript(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        found = _agent_conversation(request, public_id)
    except DomainError as exc:
        return _error(request, exc, "web/merchant/_error.html")
    return render(
        request,
        "web/service/_agent_transcript.html",
        {"conversation": found, "lines": selectors.agent_messages(found)},
    )


def _back_to(public_id: str):
    return redirect("web:m_service_conversation", public_id=public_id)


@staff_required(roles=AGENTS)
@require_POST
def claim(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        chat.claim(agent=request.user, conversation_id=public_id)
    except DomainError as exc:
        return _error(request, exc)
    return _back_to(public_id)


@staff_required(roles=AGENTS)
@require_POST
def reply(request: HttpRequest, store, public_id: str) -> HttpResponse:
    """An answer, a canned reply (chosen instead of typed) or, with `internal`, a note."""
    try:
        text = request.POST.get("text", "")
        if not text.strip() and request.POST.get("canned"):
            text = selectors.canned_text(request.user, request.POST["canned"])
        chat.reply(
            agent=request.user,
            conversation_id=public_id,
            text=text,
            internal=bool(request.POST.get("internal")),
        )
    except DomainError as exc:
        return _error(request, exc)
    return _back_to(public_id)


@staff_required(roles=AGENTS)
@require_POST
def transfer(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        moved = chat.transfer(
            agent=request.user,
            conversation_id=public_id,
            to_agent=request.POST.get("agent", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("已转接给 %(name)s。") % {"name": chat.agent_name(moved.agent)})
    return redirect("web:m_service")


@staff_required(roles=AGENTS)
@require_POST
def close(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        chat.close(agent=request.user, conversation_id=public_id)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("会话已结束，已请顾客评价。"))
    return redirect("web:m_service")


def _org(request, store) -> Organization:
    """The organisation a form acts for: the one it names, else the store's merchant (the
    platform's staff: their first service organisation)."""
    wanted = request.POST.get("organization") or request.GET.get("org") or ""
    if (
        not wanted
        and services.service_organizations(request.user).filter(pk=store.merchant_id).exists()
    ):
        return store.merchant
    return selectors.editable_organization(request.user, wanted)


@staff_required(roles=AGENTS)
@require_POST
def add_canned(request: HttpRequest, store) -> HttpResponse:
    try:
        services.add_canned_reply(
            actor=request.user,
            organization=_org(request, store),
            title=request.POST.get("title", ""),
            text=request.POST.get("text", ""),
        )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("快捷回复已添加。"))
    return redirect(request.POST.get("next") or "web:m_service")


# ---------------------------------------------------------------- the knowledge base


@staff_required(roles=AGENTS)
@require_GET
def faq(request: HttpRequest, store) -> HttpResponse:
    try:
        org = _org(request, store)
    except DomainError as exc:
        return _error(request, exc)
    entries = selectors.knowledge_base(org)
    editing = entries.filter(public_id=request.GET.get("edit", "")).first()
    return _console(
        request,
        store,
        "web/service/faq.html",
        org=org,
        orgs=services.service_organizations(request.user),
        entries=entries,
        editing=editing,
    )


def _faq_url(org) -> str:
    return f"{reverse('web:m_service_faq')}?org={org.public_id}"


@staff_required(roles=AGENTS)
@require_POST
def faq_save(request: HttpRequest, store) -> HttpResponse:
    try:
        org = _org(request, store)
        services.save_entry(
            actor=request.user,
            organization=org,
            entry_id=request.POST.get("entry", ""),
            question=request.POST.get("question", ""),
            answer=request.POST.get("answer", ""),
            phrasings=services.split_lines(request.POST.get("phrasings", "")),
            links=services.parse_links(request.POST.get("links", "")),
        )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("已保存，智能助手马上就会用上。"))
    return redirect(_faq_url(org))


@staff_required(roles=AGENTS)
@require_POST
def faq_delete(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        org = _org(request, store)
        services.delete_entry(actor=request.user, organization=org, entry_id=public_id)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("已删除。"))
    return redirect(_faq_url(org))


@staff_required(roles=AGENTS)
@require_POST
def faq_import(request: HttpRequest, store) -> HttpResponse:
    try:
        org = _org(request, store)
        upload = request.FILES.get("file")
        data = upload.read(services.MAX_IMPORT_BYTES + 1) if upload else b""
        result = services.import_csv(actor=request.user, organization=org, data=data)
    except DomainError as exc:
        return _error(request, exc)
    messages.success(
        request,
        _("导入完成：新增 %(created)s 条，更新 %(updated)s 条。") % result,
    )
    return redirect(_faq_url(org))


# ---------------------------------------------------------------- the complaint desk


@staff_required(roles=AGENTS)
@require_GET
def complaint_desk(request: HttpRequest, store) -> HttpResponse:
    """`?escalated=1`: only the complaints escalated to the platform and not resolved."""
    escalated = request.GET.get("escalated") == "1"
    return _console(
        request,
        store,
        "web/service/desk.html",
        "complaints",
        complaints=complaints.complaints_for_staff(request.user, escalated=escalated)[:100],
        escalated=escalated,
    )


@staff_required(roles=AGENTS)
@require_GET
def complaint_detail(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        found = complaints.complaint_for_staff(request.user, public_id)
    except DomainError as exc:
        return _error(request, exc)
    platform = is_platform_operator(request.user)
    return _console(
        request,
        store,
        "web/service/desk_complaint.html",
        "complaints",
        complaint=found,
        is_platform=platform,
        templates=loyalty.coupon_templates(None).filter(is_active=True) if platform else [],
    )


@staff_required(roles=AGENTS)
@require_POST
def complaint_answer(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        complaints.answer_complaint(
            staff=request.user, complaint_id=public_id, text=request.POST.get("answer", "")
        )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("答复已发送给顾客。"))
    return redirect("web:m_complaint", public_id=public_id)


@staff_required(roles=AGENTS)
@require_POST
def complaint_resolve(request: HttpRequest, store, public_id: str) -> HttpResponse:
    try:
        complaints.resolve_complaint(
            operator=request.user,
            complaint_id=public_id,
            resolution=request.POST.get("resolution", ""),
            coupon_template=request.POST.get("coupon_template", ""),
        )
    except DomainError as exc:
        return _error(request, exc)
    messages.success(request, _("投诉已处理，已通知顾客。"))
    return redirect("web:m_complaint", public_id=public_id)
