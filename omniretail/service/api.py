"""Customer service over JSON, mounted at /api/service: the shopper asks the assistant and
talks to an agent; agents work the queue; knowledge bases are edited and imported;
complaints are filed, answered by the merchant and resolved by the platform."""

from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile

from omniretail.accounts.auth import AUTH
from omniretail.accounts.selectors import active_merchant
from omniretail.catalog.selectors import public_product
from omniretail.core import uploads
from omniretail.core.errors import field_error
from omniretail.service import chat, complaints, selectors, services
from omniretail.service.models import Complaint, Conversation, FaqEntry
from omniretail.service.schemas import (
    AgentOut,
    AgentReplyIn,
    AskIn,
    ComplaintAnswerIn,
    ComplaintIn,
    ComplaintOut,
    ComplaintResolveIn,
    ConversationOut,
    ConversationTransferIn,
    EscalatedOut,
    FaqEntryIn,
    FaqEntryOut,
    FaqImportOut,
    MessageOut,
    PresenceIn,
    PresenceOut,
    QueueItemOut,
    RatingIn,
    ServiceSettingsIn,
    ServiceSettingsOut,
)

router = Router(tags=["service"], auth=AUTH)


def _message_out(m) -> dict:
    return {
        "id": m.public_id,
        "sender": m.sender,
        "text": m.text,
        "product": m.product.public_id if m.product_id else None,
        "created_at": m.created_at,
    }


def _conversation_out(conversation: Conversation, messages) -> dict:
    return {
        "id": conversation.public_id,
        "organization": conversation.organization.public_id,
        "status": conversation.status,
        "rating": conversation.rating,
        "reply_due_at": conversation.reply_due_at,
        "first_reply_at": conversation.first_reply_at,
        "escalated_at": conversation.escalated_at,
        "messages": [_message_out(m) for m in messages],
    }


def _merchant(public_id: str):
    if not public_id:
        return None
    merchant = active_merchant(public_id)
    if merchant is None:
        raise field_error("merchant", _("找不到该商家。"))
    return merchant


# ------------------------------------------------------------------ the shopper's chat


@router.post("/ask", response=ConversationOut)
def ask(request, payload: AskIn):
    """One message to the assistant (or, after a hand-off, to the agent); the answer lists
    what was added: the message and the assistant's reply or hand-off notice."""
    product = public_product(payload.product) if payload.product else None
    added = chat.ask(
        shopper=request.auth,
        text=payload.text,
        organization=chat.organization_for_product(product)
        if product
        else _merchant(payload.merchant),
        product=product,
    )
    conversation = selectors.conversation_of_shopper(request.auth, added[0].conversation.public_id)
    return _conversation_out(conversation, added)


@router.get("/conversations/{conversation_id}", response=ConversationOut)
def conversation(request, conversation_id: str, after: str = ""):
    """The transcript as the shopper sees it (no internal notes); with `after` (a message's
    id) only the messages that came after it."""
    found = selectors.conversation_of_shopper(request.auth, conversation_id)
    return _conversation_out(found, selectors.shopper_messages(found, after=after))


@router.post("/conversations/{conversation_id}/rating", response=ConversationOut)
def rate(request, conversation_id: str, payload: RatingIn):
    rated = chat.rate(
        shopper=request.auth,
        conversation_id=conversation_id,
        rating=payload.rating,
        comment=payload.comment,
    )
    return _conversation_out(rated, [])


# ------------------------------------------------------------------ agents


@router.get("/agent/queue", response=list[QueueItemOut])
def agent_queue(request):
    """Waiting conversations and offline messages; asking marks the agent online."""
    chat.heartbeat(agent=request.auth)
    return [
        {
            "id": c.public_id,
            "organization": c.organization.public_id,
            "status": c.status,
            "waiting_minutes": c.waiting_minutes,
            "escalated": c.escalated_at is not None,
        }
        for c in selectors.queue(request.auth)
    ]


@router.post("/agent/presence", response=PresenceOut)
def agent_presence(request, payload: PresenceIn):
    """online: new hand-offs may be assigned to me; away: I keep what I hold, get no new."""
    chat.set_presence(agent=request.auth, status=payload.status)
    return {"status": selectors.presence(request.auth)}


@router.get("/agent/escalated", response=list[EscalatedOut])
def agent_escalated(request):
    """Open conversations escalated for a missed first-answer deadline: every merchant's
    for the platform's service staff, one's own organisations' otherwise."""
    return [
        {
            "id": c.public_id,
            "organization": c.organization.public_id,
            "organization_name": c.organization.name,
            "status": c.status,
            "agent": c.agent.public_id if c.agent_id else None,
            "reply_due_at": c.reply_due_at,
            "escalated_at": c.escalated_at,
            "overdue_minutes": c.overdue_minutes,
        }
        for c in selectors.escalated(request.auth)
    ]


@router.get("/agent/conversations/{conversation_id}/agents", response=list[AgentOut])
def agent_colleagues(request, conversation_id: str):
    """The conversation's organisation's agents, to choose whom to transfer it to."""
    found = chat.conversation_for_agent(request.auth, conversation_id)
    return [
        {"id": u.public_id, "name": chat.agent_name(u), "presence": u.presence, "load": u.load}
        for u in selectors.colleagues(found.organization)
    ]


@router.post("/agent/conversations/{conversation_id}/transfer", response=ConversationOut)
def agent_transfer(request, conversation_id: str, payload: ConversationTransferIn):
    """To another agent of the organisation, with a note both read (409 unless I hold it)."""
    moved = chat.transfer(
        agent=request.auth,
        conversation_id=conversation_id,
        to_agent=payload.agent,
        note=payload.note,
    )
    return _conversation_out(moved, [])


@router.post("/agent/conversations/{conversation_id}/claim", response=ConversationOut)
def agent_claim(request, conversation_id: str):
    """409 when another agent holds it."""
    claimed = chat.claim(agent=request.auth, conversation_id=conversation_id)
    return _conversation_out(claimed, selectors.agent_messages(claimed))


@router.post("/agent/conversations/{conversation_id}/messages", response={201: MessageOut})
def agent_reply(request, conversation_id: str, payload: AgentReplyIn):
    """An answer (409 when another agent holds the conversation) or an internal note."""
    m = chat.reply(
        agent=request.auth,
        conversation_id=conversation_id,
        text=payload.text,
        internal=payload.internal,
    )
    return Status(201, _message_out(m))


@router.post("/agent/conversations/{conversation_id}/close", response=ConversationOut)
def agent_close(request, conversation_id: str):
    closed = chat.close(agent=request.auth, conversation_id=conversation_id)
    return _conversation_out(closed, [])


def _settings_out(rules) -> dict:
    return {
        "organization": rules.organization.public_id,
        "assignment": rules.assignment,
        "reply_minutes": rules.reply_minutes,
        "complaint_hours": rules.complaint_hours,
    }


@router.get("/settings", response=ServiceSettingsOut)
def service_settings(request, organization: str = ""):
    org = selectors.editable_organization(request.auth, organization)
    return _settings_out(services.settings_of(org))


@router.put("/settings", response=ServiceSettingsOut)
def configure(request, payload: ServiceSettingsIn):
    """The owner or a manager: round robin or claim, the first answer's minutes and the
    hours to answer a complaint (unchanged when left out)."""
    rules = services.configure(
        actor=request.auth,
        organization=selectors.editable_organization(request.auth, payload.organization),
        assignment=payload.assignment,
        reply_minutes=payload.reply_minutes,
        complaint_hours=payload.complaint_hours,
    )
    return _settings_out(rules)


# ------------------------------------------------------------------ knowledge bases


def _entry_out(entry: FaqEntry) -> dict:
    return {
        "id": entry.public_id,
        "question": entry.question,
        "answer": entry.answer,
        "phrasings": entry.phrasings,
        "links": entry.links,
    }


@router.get("/faq", response=list[FaqEntryOut])
def faq(request, organization: str = ""):
    org = selectors.editable_organization(request.auth, organization)
    return [_entry_out(e) for e in selectors.knowledge_base(org)]


@router.post("/faq", response={201: FaqEntryOut})
def faq_add(request, payload: FaqEntryIn):
    entry = services.save_entry(
        actor=request.auth,
        organization=selectors.editable_organization(request.auth, payload.organization),
        question=payload.question,
        answer=payload.answer,
        phrasings=payload.phrasings,
        links=[link.model_dump() for link in payload.links],
    )
    return Status(201, _entry_out(entry))


@router.post("/faq/import", response=FaqImportOut)
def faq_import(request, organization: Form[str], file: File[UploadedFile]):
    """multipart/form-data: `organization` and a CSV `file` with the columns
    question,answer,phrasings,links (phrasings and links separated by |; a link is
    标题=地址). A file with a bad row imports nothing; each bad row's error is listed in
    error.fields.file."""
    org = selectors.editable_organization(request.auth, organization)
    data = file.read(services.MAX_IMPORT_BYTES + 1)
    return services.import_csv(actor=request.auth, organization=org, data=data)


# ------------------------------------------------------------------ complaints


def complaint_out(c: Complaint) -> dict:
    return {
        "id": c.public_id,
        "about": c.about,
        "merchant": c.merchant.public_id,
        "merchant_name": c.merchant.name,
        "order": c.order.public_id if c.order_id else None,
        "store": c.store.public_id if c.store_id else None,
        "text": c.text,
        "photos": [url for url in map(uploads.photo_url, c.photos) if url],
        "status": c.status,
        "answer": c.answer,
        "resolution": c.resolution,
        "coupon": c.coupon,
        "created_at": c.created_at,
        "answer_due_at": c.answer_due_at,
        "escalated_at": c.escalated_at,
    }


@router.post("/complaints", response={201: ComplaintOut})
def file_complaint(
    request,
    payload: Form[ComplaintIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]  # ninja reads this form
):
    """multipart/form-data: `about` (order, store or merchant), `target` (its id), `text`
    and up to six `photos` (JPEG, PNG or WebP)."""
    files = uploads.photo_files(request)
    with uploads.saved_photos(files, folder="complaints") as names:
        filed = complaints.file_complaint(
            shopper=request.auth,
            about=payload.about,
            target=payload.target,
            text=payload.text,
            photos=names,
        )
    return Status(201, complaint_out(filed))


@router.get("/complaints", response=list[ComplaintOut])
def my_complaints(request):
    return [complaint_out(c) for c in complaints.complaints_of_shopper(request.auth)[:100]]


@router.get("/complaints/{complaint_id}", response=ComplaintOut)
def my_complaint(request, complaint_id: str):
    return complaint_out(complaints.complaint_of_shopper(request.auth, complaint_id))


@router.get("/manage/complaints", response=list[ComplaintOut])
def staff_complaints(request):
    return [complaint_out(c) for c in complaints.complaints_for_staff(request.auth)[:100]]


@router.post("/manage/complaints/{complaint_id}/answer", response=ComplaintOut)
def answer_complaint(request, complaint_id: str, payload: ComplaintAnswerIn):
    return complaint_out(
        complaints.answer_complaint(
            staff=request.auth, complaint_id=complaint_id, text=payload.answer
        )
    )


@router.post("/manage/complaints/{complaint_id}/resolve", response=ComplaintOut)
def resolve_complaint(request, complaint_id: str, payload: ComplaintResolveIn):
    return complaint_out(
        complaints.resolve_complaint(
            operator=request.auth,
            complaint_id=complaint_id,
            resolution=payload.resolution,
            coupon_template=payload.coupon_template,
        )
    )
