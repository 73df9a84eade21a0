"""Reads for the shopper's chat, the agent console and the knowledge-base page, each
scoped to the acting user: a shopper reads their own conversations without the agents'
notes; an agent reads the conversations of the organisations whose service they run."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.core.errors import NotFound
from omniretail.orders import selectors as orders
from omniretail.service.models import CannedReply, Conversation, FaqEntry, Message
from omniretail.service.services import service_organizations

S = Conversation.Status
RECENT_ORDERS = 5


def conversation_of_shopper(shopper, public_id: str) -> Conversation:
    conversation = (
        Conversation.objects.filter(public_id=public_id, shopper=shopper)
        .select_related("organization", "agent")
        .first()
    )
    if conversation is None:
        raise NotFound(_("找不到该会话。"))
    return conversation


def latest_conversation(shopper, organization: Organization) -> Conversation | None:
    """The open conversation with this organisation, else the last one (to rate it)."""
    return (
        Conversation.objects.filter(shopper=shopper, organization=organization)
        .select_related("organization", "agent")
        .order_by("-id")
        .first()
    )


def shopper_messages(conversation: Conversation, *, after: int = 0) -> QuerySet[Message]:
    """What the shopper sees: everything but the agents' internal notes."""
    return conversation.messages.exclude(sender=Message.Sender.NOTE).filter(id__gt=after)


def agent_messages(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("author")


def queue(agent) -> list[Conversation]:
    """Handed-off conversations nobody holds yet (offline messages too), longest waiting
    first, each with `waiting_minutes`."""
    rows = list(
        Conversation.objects.filter(
            organization__in=service_organizations(agent),
            status__in=[S.WAITING, S.OFFLINE],
            agent__isnull=True,
        )
        .select_related("shopper", "organization")
        .order_by("handed_off_at", "id")[:100]
    )
    now = timezone.now()
    for c in rows:
        c.waiting_minutes = int((now - (c.handed_off_at or c.created_at)).total_seconds() // 60)
    return rows


def my_conversations(agent) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(agent=agent, status=S.ACTIVE)
        .select_related("shopper", "organization")
        .order_by("claimed_at", "id")
    )


def recent_orders(conversation: Conversation):
    """The member's latest orders, beside the conversation in the console: those with this
    merchant for a merchant's agent, any for the platform's."""
    qs = orders.orders_of_shopper(conversation.shopper).order_by("-created_at", "-id")
    if conversation.organization.kind == Organization.Kind.MERCHANT:
        qs = qs.filter(merchant=conversation.organization)
    return list(qs[:RECENT_ORDERS])


def canned_replies(organization: Organization) -> QuerySet[CannedReply]:
    return CannedReply.objects.filter(organization=organization)


def canned_text(agent, public_id: str) -> str:
    reply = CannedReply.objects.filter(
        public_id=public_id, organization__in=service_organizations(agent)
    ).first()
    if reply is None:
        raise NotFound(_("找不到该快捷回复。"))
    return reply.text


def knowledge_base(organization: Organization) -> QuerySet[FaqEntry]:
    return FaqEntry.objects.filter(organization=organization).order_by("question")


def editable_organization(user, public_id: str = "") -> Organization:
    """The organisation whose answers the user edits: the one named, else their first."""
    orgs = service_organizations(user).order_by("kind", "id")
    org = orgs.filter(public_id=public_id).first() if public_id else orgs.first()
    if org is None:
        raise NotFound(_("找不到该组织。"))
    return org
