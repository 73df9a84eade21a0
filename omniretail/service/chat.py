"""Conversations: the shopper talks to the assistant; a hand-off assigns the conversation
to the next online agent (round robin, the organisation's default) or puts it in its
queue (or, with no agent online, keeps it as an offline message, 留言, answered later by
in-app message and SMS); one agent claims it, answers, notes, transfers, closes; the
shopper rates it once. The first answer is due within the organisation's minutes; the
periodic sweep escalates a missed one to the platform.

Claiming is one conditional UPDATE on an unassigned conversation, so two agents never
both get it; answering a conversation another agent holds is a 409. Assignment locks the
candidate agents' presence rows in key order, so concurrent hand-offs queue behind each
other and each sees the loads the others left."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Membership, Organization, User
from omniretail.accounts.selectors import require_user
from omniretail.catalog.models import Product
from omniretail.core.errors import Conflict, NotFound, field_error
from omniretail.notifications.services import notify
from omniretail.service import assistant
from omniretail.service.models import (
    AgentPresence,
    Conversation,
    Message,
    ServiceSettings,
    Transfer,
)
from omniretail.service.services import SERVICE_ROLES, service_organizations, settings_of

MAX_TEXT = 2000
MAX_COMMENT = 200
ONLINE_FOR = timedelta(seconds=60)
OPEN = [s for s in Conversation.Status.values if s != Conversation.Status.CLOSED]
S = Conversation.Status


def _text(text, field: str = "text") -> str:
    text = (text or "").strip()
    if not text:
        raise field_error(field, _("请输入内容。"))
    if len(text) > MAX_TEXT:
        raise field_error(field, _("一条消息不能超过 %(n)s 个字。") % {"n": MAX_TEXT})
    return text


def platform() -> Organization:
    org = Organization.objects.filter(kind=Organization.Kind.PLATFORM, is_active=True).first()
    if org is None:
        raise NotFound(_("平台客服尚未开通。"))
    return org


def organization_for_product(product: Product) -> Organization:
    """Who answers about a product: the merchant that sells it (as the store and order pages
    send the shopper to the store's or order's merchant). A producer's product is sold
    through many merchants' stores and producers run no service desk, so the platform's
    service answers for it."""
    owner = product.owner
    if owner.kind == Organization.Kind.MERCHANT and owner.is_active:
        return owner
    return platform()


def _card(conversation: Conversation, shopper, product: Product) -> Message | None:
    """The product's card, unless it is already the last card of the conversation."""
    last = conversation.messages.exclude(product=None).order_by("-id").values("product_id").first()
    if last and last["product_id"] == product.pk:
        return None
    return Message.objects.create(
        conversation=conversation,
        sender=Message.Sender.SHOPPER,
        author=shopper,
        text=product.name,
        product=product,
    )


def open_conversation(*, shopper, organization: Organization) -> Conversation:
    """The shopper's open conversation with this organisation, opened on first use (the
    partial unique index makes a concurrent second open find the first)."""
    for _attempt in range(2):
        found = Conversation.objects.filter(
            shopper=shopper, organization=organization, status__in=OPEN
        ).first()
        if found is not None:
            return found
        try:
            with transaction.atomic():
                return Conversation.objects.create(shopper=shopper, organization=organization)
        except IntegrityError:
            continue
    raise Conflict(_("会话正忙，请稍后再试。"))


def _agents_of(organization: Organization):
    return Membership.objects.filter(organization=organization, role__in=SERVICE_ROLES).values(
        "user"
    )


def online_presences(organization: Organization, *, now=None):
    """Presence rows of the organisation's agents set online and seen within a minute."""
    since = (now or timezone.now()) - ONLINE_FOR
    return AgentPresence.objects.filter(
        status=AgentPresence.Status.ONLINE,
        last_seen_at__gte=since,
        user_id__in=_agents_of(organization),
    )


def agents_online(organization: Organization, *, now=None) -> bool:
    return online_presences(organization, now=now).exists()


def loads(agent_ids) -> dict[int, int]:
    """Conversations each agent holds now."""
    rows = (
        Conversation.objects.filter(agent_id__in=list(agent_ids), status=S.ACTIVE)
        .values("agent_id")
        .annotate(n=Count("id"))
    )
    return {row["agent_id"]: row["n"] for row in rows}


def _next_agent(organization: Organization, now) -> AgentPresence | None:
    """The least-loaded online agent; among equals the one assigned longest ago (never
    before first), then the lowest key: deterministic. The rows are locked in key order,
    so concurrent hand-offs take turns and never deadlock."""
    presences = list(online_presences(organization, now=now).select_for_update().order_by("pk"))
    if not presences:
        return None
    held = loads(p.user_id for p in presences)
    never = now - timedelta(days=36500)
    return min(
        presences,
        key=lambda p: (held.get(p.user_id, 0), p.last_assigned_at or never, p.pk),
    )


@transaction.atomic
def ask(
    *,
    shopper,
    text: str,
    organization: Organization | None = None,
    product: Product | None = None,
) -> list[Message]:
    """One message from the shopper; returns what was added (the product's card when they
    came from its page, theirs, and the assistant's answer while no person has taken over)."""
    require_user(shopper)
    text = _text(text)
    organization = organization or platform()
    conversation = open_conversation(shopper=shopper, organization=organization)
    card = _card(conversation, shopper, product) if product is not None else None
    added = [card] if card else []
    added.append(
        Message.objects.create(
            conversation=conversation, sender=Message.Sender.SHOPPER, author=shopper, text=text
        )
    )
    if conversation.status != S.BOT:
        Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now())
        return added
    reply = assistant.answer(text=text, shopper=shopper, organization=organization)
    if not reply.handoff:
        body = reply.text + "".join(f"\n{link['title']}：{link['url']}" for link in reply.links)
        added.append(
            Message.objects.create(
                conversation=conversation, sender=Message.Sender.BOT, text=body, faq=reply.faq
            )
        )
        return added
    added.append(_hand_off(conversation, reply.text))
    return added


def _hand_off(conversation: Conversation, said: str) -> Message:
    """Into the queue, or straight to the next online agent when the organisation assigns
    round robin, or an offline message; the first answer is due within its minutes."""
    now = timezone.now()
    rules = settings_of(conversation.organization)
    changes = {
        "handed_off_at": now,
        "updated_at": now,
        "reply_due_at": now + timedelta(minutes=rules.reply_minutes),
    }
    agent = None
    if rules.assignment == ServiceSettings.Assignment.ROUND_ROBIN:
        agent = _next_agent(conversation.organization, now)
        online = agent is not None
    else:
        online = agents_online(conversation.organization, now=now)
    if agent is not None:
        changes.update(status=S.ACTIVE, agent_id=agent.user_id, claimed_at=now)
        AgentPresence.objects.filter(pk=agent.pk).update(last_assigned_at=now)
    else:
        changes["status"] = S.WAITING if online else S.OFFLINE
    Conversation.objects.filter(pk=conversation.pk, status=S.BOT).update(**changes)
    conversation.refresh_from_db()
    text = (
        said
        if online
        else _("现在没有客服在线。您的留言已记下，客服上线后会回复您，并以短信和站内消息通知。")
    )
    return Message.objects.create(conversation=conversation, sender=Message.Sender.BOT, text=text)


def heartbeat(*, agent, now=None) -> None:
    """The console asked for its queue: the agent is seen (online for a minute, unless
    they set themselves away)."""
    AgentPresence.objects.update_or_create(
        user=agent, defaults={"last_seen_at": now or timezone.now()}
    )


def set_presence(*, agent, status: str, now=None) -> AgentPresence:
    """Online (takes new conversations) or away (keeps the ones held, gets no new ones)."""
    require_user(agent)
    if status not in AgentPresence.Status.values:
        raise field_error("status", _("状态须为在线或离开。"))
    if not service_organizations(agent).exists():
        raise NotFound(_("您不是客服。"))
    presence, _created = AgentPresence.objects.update_or_create(
        user=agent, defaults={"last_seen_at": now or timezone.now(), "status": status}
    )
    return presence


def visible_to(agent):
    """Conversations an agent may open: their organisations', and for the platform's
    service staff every escalated one (the platform takes over a missed deadline)."""
    orgs = service_organizations(agent)
    scope = Q(organization__in=orgs)
    if orgs.filter(kind=Organization.Kind.PLATFORM).exists():
        scope |= Q(escalated_at__isnull=False)
    return Conversation.objects.filter(scope)


def _for_agent(agent, public_id: str) -> Conversation:
    conversation = (
        visible_to(agent)
        .filter(public_id=public_id)
        .select_related("shopper", "organization", "agent")
        .first()
    )
    if conversation is None:
        raise NotFound(_("找不到该会话。"))
    return conversation


def conversation_for_agent(agent, public_id: str) -> Conversation:
    require_user(agent)
    return _for_agent(agent, public_id)


@transaction.atomic
def claim(*, agent, conversation_id: str) -> Conversation:
    """Take a waiting conversation (or offline message). Claiming one's own again is
    harmless; one another agent holds is a 409."""
    require_user(agent)
    conversation = _for_agent(agent, conversation_id)
    now = timezone.now()
    taken = Conversation.objects.filter(
        pk=conversation.pk, agent__isnull=True, status__in=[S.WAITING, S.OFFLINE, S.BOT]
    ).update(agent=agent, status=S.ACTIVE, claimed_at=now, updated_at=now)
    conversation.refresh_from_db()
    if not taken and conversation.agent_id != agent.pk:
        if conversation.status == S.CLOSED:
            raise Conflict(_("该会话已结束。"), code="conversation_closed")
        raise Conflict(_("该会话已由其他客服接待。"), code="assigned_to_another")
    return conversation


@transaction.atomic
def reply(*, agent, conversation_id: str, text: str, internal: bool = False) -> Message:
    """An agent's answer (claiming the conversation first if nobody holds it), or an
    internal note only agents see. A conversation another agent holds is a 409."""
    require_user(agent)
    text = _text(text)
    conversation = _for_agent(agent, conversation_id)
    if internal:
        return Message.objects.create(
            conversation=conversation, sender=Message.Sender.NOTE, author=agent, text=text
        )
    was_offline = conversation.status == S.OFFLINE
    conversation = claim(agent=agent, conversation_id=conversation_id)
    if conversation.status != S.ACTIVE:
        raise Conflict(_("该会话已结束。"), code="conversation_closed")
    message = Message.objects.create(
        conversation=conversation, sender=Message.Sender.AGENT, author=agent, text=text
    )
    Conversation.objects.filter(pk=conversation.pk, first_reply_at__isnull=True).update(
        first_reply_at=message.created_at
    )
    if was_offline:  # they left a message and went away: tell them where the answer is
        shopper = conversation.shopper
        notify(
            user=shopper,
            title=_("客服回复了您的留言"),
            body=text[:200],
            link=f"/service/?org={conversation.organization.public_id}",
            sms_to=shopper.phone or "",
        )
    return message


MAX_NOTE = 500


@transaction.atomic
def transfer(*, agent, conversation_id: str, to_agent: str, note: str = "") -> Conversation:
    """Hand a conversation one holds to another agent of its organisation, with a note:
    one conditional UPDATE (still the holder's), an audit row, and the note in the
    transcript both agents read (never the shopper)."""
    require_user(agent)
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise field_error("note", _("转接说明不能超过 %(n)s 个字。") % {"n": MAX_NOTE})
    conversation = _for_agent(agent, conversation_id)
    target = User.objects.filter(
        public_id=str(to_agent or ""), pk__in=_agents_of(conversation.organization)
    ).first()
    if target is None:
        raise field_error("agent", _("请选择本组织的另一位客服。"))
    if target.pk == agent.pk:
        raise field_error("agent", _("不能转接给自己。"))
    moved = Conversation.objects.filter(pk=conversation.pk, agent=agent, status=S.ACTIVE).update(
        agent=target, claimed_at=timezone.now(), updated_at=timezone.now()
    )
    if not moved:
        if conversation.status == S.CLOSED:
            raise Conflict(_("该会话已结束。"), code="conversation_closed")
        raise Conflict(_("只能转接您正在接待的会话。"), code="not_your_conversation")
    Transfer.objects.create(conversation=conversation, from_agent=agent, to_agent=target, note=note)
    said = _("%(from)s 转接给 %(to)s") % {"from": agent_name(agent), "to": agent_name(target)}
    Message.objects.create(
        conversation=conversation,
        sender=Message.Sender.NOTE,
        author=agent,
        text=f"{said}：{note}" if note else said,
    )
    notify(
        user=target,
        title=_("有会话转接给您"),
        body=note[:200] or said,
        link=f"/merchant/service/c/{conversation.public_id}/",
    )
    conversation.refresh_from_db()
    return conversation


def agent_name(user) -> str:
    return user.display_name or user.username


def escalate_overdue(*, now=None, batch: int = 200) -> int:
    """The periodic sweep: each handed-off conversation whose first answer is past due is
    escalated to the platform once (a conditional UPDATE, so a sweep run twice, or two
    at once, escalates it once), with a note in the agents' transcript."""
    now = now or timezone.now()
    due = list(
        Conversation.objects.filter(
            first_reply_at__isnull=True,
            escalated_at__isnull=True,
            reply_due_at__lte=now,
            status__in=[S.WAITING, S.OFFLINE, S.ACTIVE],
        )
        .order_by("reply_due_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    escalated = 0
    for pk in due:
        with transaction.atomic():
            if not Conversation.objects.filter(
                pk=pk, first_reply_at__isnull=True, escalated_at__isnull=True
            ).update(escalated_at=now):
                continue
            Message.objects.create(
                conversation_id=pk,
                sender=Message.Sender.NOTE,
                text=_("超过首次回复时限仍未答复，已升级至平台客服。"),
            )
            escalated += 1
    return escalated


@transaction.atomic
def close(*, agent, conversation_id: str) -> Conversation:
    require_user(agent)
    conversation = claim(agent=agent, conversation_id=conversation_id)
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk, status=S.ACTIVE).update(
        status=S.CLOSED, closed_at=now, updated_at=now
    )
    Message.objects.create(
        conversation=conversation,
        sender=Message.Sender.BOT,
        text=_("本次服务已结束，请为客服的服务打分。"),
    )
    conversation.refresh_from_db()
    return conversation


def rate(*, shopper, conversation_id: str, rating, comment: str = "") -> Conversation:
    """The shopper's satisfaction with a closed conversation, 1 to 5, given once."""
    require_user(shopper)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise field_error("rating", _("请选择 1 到 5 分。"))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise field_error("comment", _("评价不能超过 %(n)s 个字。") % {"n": MAX_COMMENT})
    conversation = Conversation.objects.filter(public_id=conversation_id, shopper=shopper).first()
    if conversation is None:
        raise NotFound(_("找不到该会话。"))
    if conversation.status != S.CLOSED or conversation.agent_id is None:
        raise Conflict(_("人工服务结束后才能评价。"), code="not_closed")
    rated = Conversation.objects.filter(pk=conversation.pk, rating__isnull=True).update(
        rating=rating, rating_comment=comment
    )
    if not rated:
        raise Conflict(_("您已经评价过了。"), code="already_rated")
    conversation.refresh_from_db()
    return conversation
