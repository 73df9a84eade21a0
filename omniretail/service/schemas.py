from datetime import datetime

from ninja import Schema
from pydantic import Field


class AskIn(Schema):
    text: str = Field(..., max_length=2000)
    # The merchant whose service is asked; empty: the platform's.
    merchant: str = Field("", max_length=26)


class MessageOut(Schema):
    id: int
    sender: str
    text: str
    created_at: datetime


class ConversationOut(Schema):
    id: str
    organization: str
    status: str
    rating: int | None
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
    status: str
    waiting_minutes: int


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
    about: str = Field(..., max_length=10)  # order | store | merchant
    target: str = Field(..., max_length=26)  # its public id
    text: str = Field(..., max_length=2000)


class ComplaintOut(Schema):
    id: str
    about: str
    merchant: str
    merchant_name: str
    order: str | None
    store: str | None
    text: str
    photos: list[str]
    status: str
    answer: str
    resolution: str
    coupon: str
    created_at: datetime


class ComplaintAnswerIn(Schema):
    answer: str = Field(..., max_length=2000)


class ComplaintResolveIn(Schema):
    resolution: str = Field(..., max_length=2000)
    coupon_template: str = Field("", max_length=26)
