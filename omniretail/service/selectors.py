"""Reads for the shopper's chat, the agent console and the knowledge-base page, each
scoped to the acting user: a shopper reads their own conversations without the agents'
notes; an agent reads the conversations of the organisations whose service they run."""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization, User
from omniretail.core.errors import NotFound
from omniretail.orders import selectors as orders
from omniretail.service.chat import ONLINE_FOR, loads, visible_to
from omniretail.service.models import AgentPresence, CannedReply, Conversation, FaqEntry, Message
from omniretail.service.services import SERVICE_ROLES, service_organizations

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


def shopper_messages(conversation: Conversation, *, after: str = "") -> QuerySet[Message]:
    """What the shopper sees: everything but the agents' internal notes; with `after` (a
    message's public id) only what came after it (an unknown id: everything)."""
    lines = (
        conversation.messages.exclude(sender=Message.Sender.NOTE)
        .select_related("product")
        .prefetch_related("product__images")
    )
    if after:
        mark = conversation.messages.filter(public_id=after).values("pk")[:1]
        lines = lines.filter(id__gt=mark) if mark.exists() else lines
    return lines


def agent_messages(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("author", "product").prefetch_related(
        "product__images"
    )


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


def escalated(agent) -> list[Conversation]:
    """Open conversations whose first answer came too late: the platform's service staff
    see every merchant's, a merchant's agents their own; the longest overdue first."""
    rows = list(
        visible_to(agent)
        .filter(escalated_at__isnull=False)
        .exclude(status=S.CLOSED)
        .select_related("shopper", "organization", "agent")
        .order_by("reply_due_at", "id")[:100]
    )
    now = timezone.now()
    for c in rows:
        c.overdue_minutes = int((now - c.reply_due_at).total_seconds() // 60)
    return rows


def presence(agent) -> str:
    """online, away, or offline (not seen within a minute, whatever was chosen)."""
    row = AgentPresence.objects.filter(user=agent).first()
    if row is None or row.last_seen_at < timezone.now() - ONLINE_FOR:
        return "offline"
    return row.status


def colleagues(organization: Organization, *, now=None) -> list[User]:
    """The organisation's agents with `presence` and `load`, to pick a transfer's target."""
    users = list(
        User.objects.filter(
            memberships__organization=organization, memberships__role__in=SERVICE_ROLES
        )
        .distinct()
        .order_by("id")
    )
    seen = {p.user_id: p for p in AgentPresence.objects.filter(user__in=users)}
    since = (now or timezone.now()) - ONLINE_FOR
    held = loads(u.pk for u in users)
    for u in users:
        row = seen.get(u.pk)
        u.presence = "offline" if row is None or row.last_seen_at < since else row.status
        u.load = held.get(u.pk, 0)
    return users


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
