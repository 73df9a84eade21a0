from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from omniretail.service.models import (
    AgentPresence,
    Complaint,
    Conversation,
    Message,
    ServiceSettings,
)

ConversationStatus = Literal[tuple(Conversation.Status.values)]


class AskIn(Schema):
    text: str = Field(..., max_length=2000)
    # The merchant whose service is asked; empty: the platform's.
    merchant: str = Field("", max_length=26)
    # A product's public id: asked from its page, so whoever answers for it is asked (its
    # merchant, or the platform for a producer's product; `merchant` is then ignored) and
    # the product's card goes into the conversation first (once in a row).
    product: str = Field("", max_length=26)


class MessageOut(Schema):
    id: str  # the message's public id (ULID); `after=` takes it
    sender: Literal[tuple(Message.Sender.values)]
    text: str  # a product card's: the product's name
    product: str | None  # a product card: the product's public id
    created_at: datetime


class ConversationOut(Schema):
    id: str
    organization: str
    status: ConversationStatus
    rating: int | None
    # The answer's deadline (null before the hand-off), when it was met, when escalated.
    reply_due_at: datetime | None
    first_reply_at: datetime | None
    escalated_at: datetime | None
    messages: list[MessageOut]


class RatingIn(Schema):
    rating: int
    comment: str = Field("", max_length=200)


class AgentReplyIn(Schema):
    text: str = Field(..., max_length=2000)
    internal: bool = False


class QueueItemOut(Schema):
    id: str
    organization: str
    status: ConversationStatus
    waiting_minutes: int
    escalated: bool


class EscalatedOut(Schema):
    id: str
    organization: str
    organization_name: str
    status: ConversationStatus
    agent: str | None  # the public id of the agent holding it
    reply_due_at: datetime
    escalated_at: datetime
    overdue_minutes: int


PresenceStatus = Literal[tuple(AgentPresence.Status.values)]


class PresenceIn(Schema):
    status: PresenceStatus


class PresenceOut(Schema):
    # offline: not seen within a minute, whatever was chosen
    status: Literal[tuple([*AgentPresence.Status.values, "offline"])]


class AgentOut(Schema):
    id: str
    name: str
    presence: Literal[tuple([*AgentPresence.Status.values, "offline"])]
    load: int  # conversations held now


class ConversationTransferIn(Schema):
    agent: str = Field(..., max_length=26)  # the public id of the agent to hand it to
    note: str = Field("", max_length=500)


Assignment = Literal[tuple(ServiceSettings.Assignment.values)]


class ServiceSettingsIn(Schema):
    organization: str = Field("", max_length=26)
    assignment: Assignment
    reply_minutes: int
    complaint_hours: int | None = None


class ServiceSettingsOut(Schema):
    organization: str
    assignment: Assignment
    reply_minutes: int
    complaint_hours: int


class LinkIO(Schema):
    title: str = Field("", max_length=40)
    url: str = Field(..., max_length=300)


class FaqEntryIn(Schema):
    organization: str = Field(..., max_length=26)
    question: str = Field(..., max_length=200)
    answer: str = Field(..., max_length=2000)
    phrasings: list[str] = Field(default_factory=list, max_length=30)
    links: list[LinkIO] = Field(default_factory=list, max_length=5)


class FaqEntryOut(Schema):
    id: str
    question: str
    answer: str
    phrasings: list[str]
    links: list[LinkIO]


class FaqImportOut(Schema):
    created: int
    updated: int


class ComplaintIn(Schema):
    about: Literal[tuple(Complaint.About.values)]
    target: str = Field(..., max_length=26)  # its public id
    text: str = Field(..., max_length=2000)


class ComplaintOut(Schema):
    id: str
    about: Literal[tuple(Complaint.About.values)]
    merchant: str
    merchant_name: str
    order: str | None
    store: str | None
    text: str
    photos: list[str]
    status: Literal[tuple(Complaint.Status.values)]
    answer: str
    resolution: str
    coupon: str
    created_at: datetime
    answer_due_at: datetime | None  # the merchant's answer deadline
    escalated_at: datetime | None  # when it went to the platform unanswered


class ComplaintAnswerIn(Schema):
    answer: str = Field(..., max_length=2000)


class ComplaintResolveIn(Schema):
    resolution: str = Field(..., max_length=2000)
    coupon_template: str = Field("", max_length=26)
