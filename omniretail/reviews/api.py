"""Product reviews over JSON, mounted under /api/catalog beside the catalogue (urls.py), the
paths they had there: the product's visible reviews, a shopper's review, a merchant's hide
and its one reply (POST to write it, PUT to change it)."""

from ninja import Query, Router, Status

from omniretail.accounts.auth import AUTH
from omniretail.catalog import selectors
from omniretail.catalog.api import MAX_PAGE_SIZE
from omniretail.reviews import services as reviews
from omniretail.reviews.schemas import (
    ProductReviewIn,
    ProductReviewOut,
    ProductReviewsOut,
    ReviewHideIn,
    ReviewReplyIn,
)

router = Router(tags=["catalog"])


def _review_out(review) -> dict:
    return {
        "id": review.public_id,
        "product": review.product.public_id,
        "sku_name": review.sku.name,
        "rating": review.rating,
        "text": review.text,
        "author": reviews.author_label(review),
        "created_at": review.created_at,
        "hidden": review.hidden_at is not None,
        "reply": review.reply,
        "replied_at": review.replied_at,
    }


@router.get("/products/{product_id}/reviews", response=ProductReviewsOut, auth=None)
def product_reviews(request, product_id: str, limit: int = Query(20, ge=1, le=MAX_PAGE_SIZE)):
    product = selectors.public_product(product_id)
    rating = reviews.rating_of(product)
    return {
        "average": None if rating["average"] is None else str(rating["average"]),
        "count": rating["count"],
        "items": [_review_out(r) for r in reviews.recent_reviews(product, limit=limit)],
    }


@router.post("/reviews", response={201: ProductReviewOut}, auth=AUTH)
def write_review(request, payload: ProductReviewIn):
    review = reviews.write_review(
        shopper=request.auth,
        order_id=payload.order,
        sku_id=payload.sku,
        rating=payload.rating,
        text=payload.text,
    )
    return Status(201, _review_out(review))


@router.post("/manage/reviews/{review_id}/hide", response=ProductReviewOut, auth=AUTH)
def hide_review(request, review_id: str, payload: ReviewHideIn):
    return _review_out(
        reviews.hide_review(staff=request.auth, review_id=review_id, reason=payload.reason)
    )


@router.post("/manage/reviews/{review_id}/reply", response={201: ProductReviewOut}, auth=AUTH)
def reply(request, review_id: str, payload: ReviewReplyIn):
    review = reviews.reply_to_review(staff=request.auth, review_id=review_id, text=payload.text)
    return Status(201, _review_out(review))


@router.put("/manage/reviews/{review_id}/reply", response=ProductReviewOut, auth=AUTH)
def edit_reply(request, review_id: str, payload: ReviewReplyIn):
    return _review_out(
        reviews.edit_reply(staff=request.auth, review_id=review_id, text=payload.text)
    )
