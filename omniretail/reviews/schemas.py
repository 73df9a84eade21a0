from datetime import datetime

from ninja import Schema
from pydantic import Field, StrictInt


class ProductReviewIn(Schema):
    order: str = Field(..., max_length=26)
    sku: str = Field(..., max_length=26)
    rating: StrictInt  # a JSON number: true is not a rating of 1
    text: str = ""


class ReviewHideIn(Schema):
    reason: str = ""


class ReviewReplyIn(Schema):
    text: str = Field(..., max_length=2000)  # the service says 500, in the envelope


class ProductReviewOut(Schema):
    id: str
    product: str
    sku_name: str
    rating: int
    text: str
    author: str
    created_at: datetime
    hidden: bool
    reply: str
    replied_at: datetime | None


class ProductReviewsOut(Schema):
    average: str | None
    count: int
    items: list[ProductReviewOut]
