"""Conversations: the shopper talks to the assistant; a hand-off puts the conversation in
its organisation's queue (or, with no agent online, keeps it as an offline message, 留言,
answered later by in-app message and SMS); one agent claims it, answers, notes, closes;
the shopper rates it once.

Claiming is one conditional UPDATE on an unassigned conversation, so two agents never
both get it; answering a conversation another agent holds is a 409."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from omniretail.accounts.models import Organization
from omniretail.accounts.selectors import require_user
from omniretail.core.errors import Conflict, NotFound, field_error
from omniretail.notifications.services import notify
from omniretail.service import assistant
from omniretail.service.models import AgentPresence, Conversation, Message
from omniretail.service.services import SERVICE_ROLES, service_organizations

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


def agents_online(organization: Organization, *, now=None) -> bool:
    since = (now or timezone.now()) - ONLINE_FOR
    return AgentPresence.objects.filter(
        last_seen_at__gte=since,
        user__memberships__organization=organization,
        user__memberships__role__in=SERVICE_ROLES,
    ).exists()


@transaction.atomic
def ask(*, shopper, text: str, organization: Organization | None = None) -> list[Message]:
    """One message from the shopper; returns what was added (theirs, and the assistant's
    answer while no person has taken over)."""
    require_user(shopper)
    text = _text(text)
    organization = organization or platform()
    conversation = open_conversation(shopper=shopper, organization=organization)
    added = [
        Message.objects.create(
            conversation=conversation, sender=Message.Sender.SHOPPER, author=shopper, text=text
        )
    ]
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
    online = agents_online(conversation.organization)
    status = S.WAITING if online else S.OFFLINE
    Conversation.objects.filter(pk=conversation.pk, status=S.BOT).update(
        status=status, handed_off_at=timezone.now(), updated_at=timezone.now()
    )
    conversation.status = status
    text = (
        said
        if online
        else _("现在没有客服在线。您的留言已记下，客服上线后会回复您，并以短信和站内消息通知。")
    )
    return Message.objects.create(conversation=conversation, sender=Message.Sender.BOT, text=text)


def heartbeat(*, agent, now=None) -> None:
    """The console asked for its queue: the agent is online for a minute."""
    AgentPresence.objects.update_or_create(
        user=agent, defaults={"last_seen_at": now or timezone.now()}
    )


def _for_agent(agent, public_id: str) -> Conversation:
    conversation = (
        Conversation.objects.filter(
            public_id=public_id, organization__in=service_organizations(agent)
        )
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
